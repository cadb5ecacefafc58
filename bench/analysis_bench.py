"""The whole analysis (constructs, PLS with 500 bootstraps, drivers with CIs, EFA) on synthetic survey data.

Each size runs in its own process so that peak memory (max RSS) belongs to that size alone. The baseline is
reading the same CSV file with pandas, measured in the same process: ``ratio`` = analysis time / read time.
Goals (issue 3): 100k respondents in under 10 s and 1M in under 60 s on 2 cores, peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = [10_000]
LARGE = [10_000, 100_000, 1_000_000]


def _one_size(n: int, workdir: Path) -> dict:
    import pandas as pd

    from analysis.engine import run_analysis
    from analysis.model import ModelSpec
    from instruments.registry import get_instrument
    from instruments.synthetic import synthetic_responses

    instrument = get_instrument("customer_satisfaction")
    spec_dict = instrument.model_spec()
    spec_dict["pls"] = {"scheme": "path", "scaled": True, "bootstrap": 500, "seed": 1}
    spec = ModelSpec.from_dict(spec_dict)
    numeric = [i.code for i in instrument.items if instrument.scale_of(i).is_numeric()]
    frame = synthetic_responses(instrument, n, seed=1)[numeric]
    path = workdir / f"responses_{n}.csv"
    frame.to_csv(path, index=False)
    del frame

    started = time.perf_counter()
    data = pd.read_csv(path)
    read_s = time.perf_counter() - started

    started = time.perf_counter()
    result = run_analysis(data, spec)
    analysis_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "n": n, "items": len(numeric), "read_s": round(read_s, 3), "analysis_s": round(analysis_s, 3),
        "ratio": round(analysis_s / read_s, 1), "peak_mb": round(peak_mb), "n_used": result["n_used"],
        "warnings": len(result["warnings"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench analysis")
    parser.add_argument("--large", action="store_true", help="also 100k and 1M respondents")
    parser.add_argument("--size", type=int, action="append", help="run only these sizes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.one is not None:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(_one_size(args.one, Path(tmp))))
        return 0
    sizes = args.size or (LARGE if args.large else SMALL)
    rows = []
    print(f"{'n':>9} {'items':>5} {'read s':>8} {'analysis s':>10} {'ratio':>7} {'peak MB':>8}")
    for n in sizes:
        out = subprocess.run([sys.executable, "-m", "bench", "analysis", "--one", str(n)], check=True,
                             capture_output=True, text=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['n']:>9} {row['items']:>5} {row['read_s']:>8.3f} {row['analysis_s']:>10.3f} "
              f"{row['ratio']:>7.1f} {row['peak_mb']:>8}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0
