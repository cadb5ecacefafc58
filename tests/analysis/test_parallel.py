"""BLAS on one thread (analysis.parallel.one_blas_thread): limited inside, restored after, nestable."""

from __future__ import annotations

from threadpoolctl import threadpool_info

from analysis.parallel import one_blas_thread


def test_one_blas_thread_limits_and_restores_blas() -> None:
    def threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = threads()
    with one_blas_thread():
        assert set(threads()) <= {1}
        with one_blas_thread():  # nested, as the engine's run holds it around the comment themes
            pass
        assert set(threads()) <= {1}
    assert threads() == before
