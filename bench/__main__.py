"""``python -m bench NAME [--large]``: run the benchmarks and print a table (names: ``SUITES`` below)."""

from __future__ import annotations

import argparse
import sys

from bench import (
    analysis_bench,
    invitations_bench,
    large_bench,
    load_bench,
    pls_bench,
    redaction_bench,
    report_bench,
    text_bench,
)

SUITES = {
    "analysis": analysis_bench.main,
    "invitations": invitations_bench.main,
    "large": large_bench.main,
    "load": load_bench.main,
    "pls": pls_bench.main,
    "redaction": redaction_bench.main,
    "report": report_bench.main,
    "text": text_bench.main,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suite", nargs="?", choices=sorted(SUITES), default="analysis")
    args, rest = parser.parse_known_args(argv)
    return SUITES[args.suite](rest)


if __name__ == "__main__":
    sys.exit(main())
