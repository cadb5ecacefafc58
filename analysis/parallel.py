"""How many forked processes a CPU-bound step may use (chart drawing, comment segmentation), and BLAS on one thread."""

from __future__ import annotations

import multiprocessing
import os
import threading
from functools import lru_cache
from typing import Any

from threadpoolctl import ThreadpoolController


def fork_workers(limit: int) -> int:
    """The cores this process may run on, at most ``limit``; 1 (work here) when other threads run, because forking
    a threaded process can copy a lock another thread holds (a web server's threads, say), or without fork."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return cores(limit)


def cores(limit: int) -> int:
    """The cores this process may run on, at most ``limit``."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(available, limit))


@lru_cache(maxsize=1)
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which BLAS runs on one thread (threadpoolctl): the work is many small matrix operations, where
    threads spend more time synchronising than computing. The loaded libraries are looked up once per process (a
    new lookup scans every loaded library, about 15 ms, and the comment themes enter this context some 70 times)."""
    return _threadpools().limit(limits=1, user_api="blas")
