"""PLS: bootstrap, MICOM with permutation MGA, and PLSpredict on synthetic survey data.

The baseline is the plain PLS estimate (no bootstrap) of the same data, timed in the same run: each figure is
reported in seconds and as a ratio to it (and the process's CPU seconds, which a busy machine does not
inflate). The respondents are split into two groups at random for MICOM/MGA.
Goal (issue 25): 100,000 respondents with 500 bootstrap resamples, and MICOM with 1,000 permutations, each in
under 30 s.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

SMALL = [10_000]
LARGE = [100_000]
BOOTSTRAP = 500
PERMUTATIONS = 1000


def _model() -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """The customer-satisfaction instrument's numeric items, PLS blocks and arrows (source -> targets)."""
    from analysis.model import ModelSpec
    from instruments.registry import get_instrument

    instrument = get_instrument("customer_satisfaction")
    spec = ModelSpec.from_dict(instrument.model_spec())
    named = {name for target, sources in spec.paths.items() for name in [target, *sources]}
    blocks = {name: list(items) for name, items in spec.constructs.items() if name in named}
    arrows: dict[str, list[str]] = {}
    for target, sources in spec.paths.items():
        for source in sources:
            arrows.setdefault(source, []).append(target)
    numeric = [i.code for i in instrument.items if instrument.scale_of(i).is_numeric()]
    return numeric, blocks, arrows


def _one_size(n: int) -> dict:
    import numpy as np

    from analysis.pls import pls_pm
    from analysis.pls_mga import pls_mga
    from analysis.pls_predict import pls_predict
    from instruments.registry import get_instrument
    from instruments.synthetic import synthetic_responses

    numeric, blocks, arrows = _model()
    items = [item for block in blocks.values() for item in block]
    frame = synthetic_responses(get_instrument("customer_satisfaction"), n, seed=1)[numeric][items].dropna()
    frame = frame.assign(group=np.random.default_rng(1).choice(["a", "b"], size=len(frame)))

    cpu: dict[str, float] = {}

    def timed(call, name: str) -> tuple[float, object]:
        started, started_cpu = time.perf_counter(), time.process_time()
        out = call()
        cpu[name] = round(time.process_time() - started_cpu, 2)
        return time.perf_counter() - started, out

    plain_s, _ = timed(lambda: pls_pm(frame, blocks, arrows), "plain")
    boot_s, _ = timed(lambda: pls_pm(frame, blocks, arrows, bootstrap=BOOTSTRAP, seed=1), "bootstrap")
    mga_s, mga = timed(lambda: pls_mga(frame, blocks, arrows, by="group", permutations=PERMUTATIONS), "micom_mga")
    predict_s, _ = timed(lambda: pls_predict(frame, blocks, arrows), "predict")
    return {"n": len(frame), "items": len(items), "plain_s": round(plain_s, 3),
            "bootstrap_s": round(boot_s, 2), "bootstrap_ratio": round(boot_s / plain_s, 1),
            "micom_mga_s": round(mga_s, 2), "micom_mga_ratio": round(mga_s / plain_s, 1),
            "predict_s": round(predict_s, 2), "predict_ratio": round(predict_s / plain_s, 1),
            "permutations_used": mga.micom.pairs[0]["permutations_used"], "cpu_s": cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pls")
    parser.add_argument("--large", action="store_true", help="100,000 respondents (the issue's size)")
    parser.add_argument("--size", type=int, action="append", help="run only these sizes")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    rows = []
    print(f"{'n':>8} {'items':>5} {'plain s':>8} {f'boot{BOOTSTRAP} s':>10} {'ratio':>6} "
          f"{f'MICOM+MGA {PERMUTATIONS} s':>16} {'ratio':>6} {'predict s':>9} {'ratio':>6}")
    for n in args.size or (LARGE if args.large else SMALL):
        row = _one_size(n)
        rows.append(row)
        print(f"{row['n']:>8} {row['items']:>5} {row['plain_s']:>8.3f} {row['bootstrap_s']:>10.2f} "
              f"{row['bootstrap_ratio']:>6.1f} {row['micom_mga_s']:>16.2f} {row['micom_mga_ratio']:>6.1f} "
              f"{row['predict_s']:>9.2f} {row['predict_ratio']:>6.1f}")
        print(f"{'':>8} CPU seconds (all threads; the wall time above includes waiting on a shared machine): "
              + ", ".join(f"{name} {seconds}" for name, seconds in row["cpu_s"].items()))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0
