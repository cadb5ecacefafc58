"""Command line of the analysis engine.

    python -m analysis DATA --model MODEL.yaml --out RESULT.json [--by COLUMN] [--pdf REPORT.pdf] [--quiet]
                       [--customers FILE [--customer-id COLUMN]] [--wave COLUMN] [--min-group-size K]
                       [--employees FILE --customers-by-unit FILE [--unit COLUMN]
                        [--employee-measure NAMES] [--customer-measure NAMES]
                        [--internal-service NAMES] [--customer-loyalty NAMES]]

Exit codes: 0 success; 2 bad input or usage (one line ``error: ...`` on stderr, never a traceback); 1 an
internal failure (a bug: please report it; ``MANYI_DEBUG=1`` shows the traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from analysis.confidentiality import DEFAULT_MIN_GROUP_SIZE
from analysis.data import read_table
from analysis.engine import LinkageInput, run_analysis
from analysis.errors import AnalysisError
from analysis.model import load_model

PDF_UNAVAILABLE = ("PDF reports are not available yet (the reports package has no renderer); "
                   "rerun without --pdf.")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m analysis``."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Analyse survey responses: reliability, EFA, PLS path model, key drivers, NPS, groups.",
        epilog="MODEL.yaml keys and the RESULT.json schema: docs/analysis.md",
    )
    parser.add_argument("data", metavar="DATA", help="responses: .csv (UTF-8 or GBK), .xlsx or SPSS .sav")
    parser.add_argument("--model", metavar="MODEL.yaml", required=True,
                        help="the analysis model (constructs, paths, drivers, ...); every key is optional")
    parser.add_argument("--out", metavar="RESULT.json", required=True, help="where to write the results")
    parser.add_argument("--by", metavar="COLUMN", help="compare groups defined by this column")
    parser.add_argument("--pdf", metavar="REPORT.pdf", help="also write a PDF report")
    parser.add_argument("--customers", metavar="FILE",
                        help="customer file (customer_id, retained, revenue, cost[, tenure, acquisition_cost]) "
                             "joined to the respondents in the satisfaction-trap analysis")
    parser.add_argument("--customer-id", metavar="COLUMN", default="customer_id",
                        help="the respondents' customer id column for --customers (default: customer_id)")
    parser.add_argument("--wave", metavar="COLUMN",
                        help="the column naming each response's wave (the same survey repeated): adds trends")
    parser.add_argument("--min-group-size", metavar="K", type=_group_size, default=DEFAULT_MIN_GROUP_SIZE,
                        help="groups of fewer than K respondents (and groups that would reveal them) are hidden "
                             f"in the heatmap and marked in groups.suppression (default: {DEFAULT_MIN_GROUP_SIZE})")
    parser.add_argument("--employees", metavar="FILE",
                        help="employee answers with a unit column, for the service-profit chain linkage "
                             "(with --customers-by-unit)")
    parser.add_argument("--customers-by-unit", metavar="FILE",
                        help="customer answers (one row per customer or per unit) with the same unit column")
    parser.add_argument("--unit", metavar="COLUMN", default="unit",
                        help="the unit column of both linkage files (default: unit)")
    parser.add_argument("--employee-measure", metavar="NAMES", type=_names,
                        help="employee columns or model constructs to link, comma-separated (default: the "
                             "model's satisfaction outcome, else the column 'satisfaction')")
    parser.add_argument("--customer-measure", metavar="NAMES", type=_names,
                        help="customer columns or model constructs to link, comma-separated (same default)")
    parser.add_argument("--internal-service", metavar="NAMES", type=_names,
                        help="employee columns rating the internal service they get (default: a column "
                             "'internal_service' when present)")
    parser.add_argument("--customer-loyalty", metavar="NAMES", type=_names,
                        help="customer loyalty columns or model constructs (default: the model's loyalty outcome, "
                             "else a column 'loyalty', when present)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def _group_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, not {value}")
    return value


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one column")
    return names


class StderrProgress:
    """Prints each step with the elapsed time, so long runs show where they are."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.start:7.1f}s] {message}", file=self.stream, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    progress = None if args.quiet else StderrProgress()
    try:
        if bool(args.employees) != bool(args.customers_by_unit):
            raise AnalysisError("--employees and --customers-by-unit go together: give both files.")
        measures = (args.employee_measure, args.customer_measure, args.internal_service, args.customer_loyalty)
        if any(measures) and not args.employees:
            raise AnalysisError("--employee-measure, --customer-measure, --internal-service and --customer-loyalty "
                                "need --employees and --customers-by-unit.")
        render = _pdf_renderer() if args.pdf else None
        out = Path(args.out)
        _check_writable(out, "--out", args.data, args.model)
        if args.pdf:
            _check_writable(Path(args.pdf), "--pdf", args.data, args.model, args.out)
        spec = load_model(args.model)
        if progress:
            progress(f"Reading {args.data}")
        frame = read_table(args.data)
        customers = read_table(args.customers) if args.customers else None
        linkage = None
        if args.employees:
            linkage = LinkageInput(employees=_read(args.employees, "--employees"),
                                   customers=_read(args.customers_by_unit, "--customers-by-unit"), unit=args.unit,
                                   employee=args.employee_measure, customer=args.customer_measure,
                                   internal_service=args.internal_service, customer_loyalty=args.customer_loyalty)
        result = run_analysis(frame, spec, by=args.by, progress=progress, customers=customers,
                              customer_id=args.customer_id, wave=args.wave, min_group_size=args.min_group_size,
                              linkage=linkage)
        _write_json(result, out)
        if render is not None:
            if progress:
                progress(f"Writing the PDF report {args.pdf}")
            render(result, Path(args.pdf))
        if progress:
            progress(f"Wrote {out} ({result['n_used']:,} of {result['n']:,} respondents used, "
                     f"{len(result['warnings'])} warning(s))")
    except AnalysisError as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug, not bad input: say so in one line unless debugging
        if os.environ.get("MANYI_DEBUG"):
            traceback.print_exc()
        print(f"error: internal error ({type(error).__name__}: {_one_line(error)}); please report it, "
              "with MANYI_DEBUG=1 for the traceback", file=sys.stderr)
        return 1
    return 0


def _read(path: str, option: str) -> Any:
    """A side file of the run, its errors naming the option that gave it."""
    try:
        return read_table(path)
    except AnalysisError as error:
        raise AnalysisError(f"{option}: {error}") from None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _pdf_renderer() -> Callable[[dict[str, Any], Path], None]:
    """The report renderer, checked before any work so that --pdf never leaves half an output."""
    try:
        render = importlib.import_module("reports.render")
    except ImportError:
        raise AnalysisError(PDF_UNAVAILABLE) from None
    if hasattr(render, "write_pdf"):
        return render.write_pdf
    if hasattr(render, "render_pdf"):
        def write(result: dict[str, Any], path: Path) -> None:
            path.write_bytes(render.render_pdf(result))
        return write
    raise AnalysisError(PDF_UNAVAILABLE)


def _check_writable(path: Path, option: str, *inputs: str) -> None:
    # Checked before the analysis so a typo in the output path does not cost a long run.
    for other in inputs:
        if path.resolve() == Path(other).resolve():
            raise AnalysisError(f"{option} '{path}' would overwrite the input file '{other}'.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise AnalysisError(f"{option}: the folder '{folder}' does not exist.")
    if path.is_dir():
        raise AnalysisError(f"{option}: '{path}' is a folder; give a file name.")
    if not os.access(folder, os.W_OK):
        raise AnalysisError(f"{option}: cannot write into the folder '{folder}'.")


def _write_json(result: dict[str, Any], path: Path) -> None:
    """Write atomically (temporary file, then rename) so a failed run never leaves a truncated file."""
    text = json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
        os.replace(temporary, path)
    except OSError as error:
        raise AnalysisError(f"Cannot write '{path}': {error.strerror or error}.") from None


if __name__ == "__main__":
    sys.exit(main())
