"""Invitations by email at scale: N invitations queued and sent through a real SMTP server (aiosmtpd) while
respondents open the survey page.

The bench migrates a new SQLite database with the load bench's open survey (the page the probe opens) and a second,
identified survey on the same questionnaire with N participants imported through the console's import
(``import_participants``): a survey with invitations answers only through their links. It then starts, each in a
process of its own, an aiosmtpd server that counts what it receives (bench/smtp_sink.py) and the app under gunicorn
(gunicorn.conf.py, as ``python -m bench load`` does). A probe - ``threads`` clients, each GETting the open survey's
respondent page every ``interval`` seconds - measures the page's latency first for ``baseline`` seconds with
nothing else running, then while the sender (bench/invitation_sender.py, another process) queues the N invitations
and sends them with ``send_queued``, the function ``flask mail send`` and the scheduler loop run, unthrottled
(``MAIL_RATE`` very high: the real setting paces the sending, the bench measures the machine's own limit;
``--rate`` sets it).

Reported: the sending's total time and messages per second; the sender's resident memory before and after sending
(the growth shows whether memory follows N) and its peak (``ru_maxrss``, the app's imports included); the
page's p95 with nothing sent (baseline) and while sending, and their ratio (measured in the same run). The SMTP
server must have received N messages for N recipients, else the bench fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.load_bench import ROOT, SLUG, Browser, Server, free_port, prepare_database

#: the survey whose participants are invited (the probe opens the load bench's open survey, SLUG)
INVITED = "invited"
SMALL = {"invitations": 1000, "baseline": 5.0}
LARGE = {"invitations": 10000, "baseline": 10.0}
#: the probe: clients at a time and the seconds between one client's requests (a page view every 50 ms each)
PROBE_THREADS, PROBE_INTERVAL = 4, 0.05
#: MAIL_RATE for the bench unless --rate says otherwise: no pause between messages worth the name
UNTHROTTLED = 1_000_000.0


def add_participants(url: str, count: int) -> float:
    """Create the invited survey and import ``count`` participants through the console's import; returns the
    import's seconds."""
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.services.participants import import_participants
    from survey_app.services.surveys import create_survey, get_survey

    rows = "".join(f"person{i:06d}@example.com,Person {i},{'zh' if i % 2 else 'en'}\n" for i in range(count))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        create_survey(slug=INVITED, instrument_keys=[get_survey(SLUG).instrument_key])
        started = time.perf_counter()
        import_participants(get_survey(INVITED), f"email,name,language\n{rows}".encode())
        db.session.commit()
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return seconds


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of ``values`` in milliseconds (nearest rank), 0 without values."""
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def probe(port: int, until: threading.Event | float, threads: int, interval: float) -> tuple[list[float], int]:
    """GET the respondent page from ``threads`` clients, each every ``interval`` seconds, until the event is set
    (or for that many seconds); returns the latencies in seconds and the errors."""
    stop = until if isinstance(until, threading.Event) else threading.Event()
    if not isinstance(until, threading.Event):
        threading.Timer(until, stop.set).start()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        browser = Browser(port)
        try:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    status, _, _ = browser.request("GET", f"/s/{SLUG}")
                except OSError:
                    status = 0
                elapsed = time.perf_counter() - started
                with lock:
                    if status == 200:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1
                stop.wait(max(0.0, interval - elapsed))
        finally:
            browser.close()

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, errors[0]


def measure(invitations: int, baseline: float, threads: int, interval: float, workdir: Path,
            rate: float = UNTHROTTLED) -> dict:
    """One run: setup, baseline probe, probe while sending; returns the table's row."""
    url = f"sqlite:///{workdir / 'invitations.db'}"
    prepare_database(url)
    import_seconds = add_participants(url, invitations)
    smtp_port = free_port()
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "RATELIMIT_ENABLED": "false",
           "MANYI_ENV": "development", "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "MAIL_RATE": str(rate),
           "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}
    sink = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink", str(smtp_port)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        if sink.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP server did not start")
        with Server("bench.load_apps:manyi()", env, workdir / "gunicorn.log") as server:
            server.wait_ready(f"/s/{SLUG}")
            probe(server.port, 1.0, threads, interval)  # warm-up: every worker has loaded the survey
            quiet, quiet_errors = probe(server.port, baseline, threads, interval)
            sender = subprocess.Popen([sys.executable, "-m", "bench.invitation_sender", INVITED], cwd=ROOT,
                                      env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
            if sender.stdout.readline().strip() != "sending":
                raise RuntimeError(f"the sender stopped before sending (exit {sender.wait()})")
            done = threading.Event()
            probing = threading.Thread(target=lambda: results.append(probe(server.port, done, threads, interval)))
            results: list[tuple[list[float], int]] = []
            started = time.perf_counter()
            probing.start()
            report = sender.stdout.readline()
            sender.wait()
            wall = time.perf_counter() - started
            done.set()
            probing.join()
            busy, busy_errors = results[0]
    finally:
        sink.send_signal(signal.SIGTERM)
        received, recipients = map(int, sink.communicate(timeout=30)[0].split())
    sent = json.loads(report)
    quiet_p95, busy_p95 = percentile(quiet, 0.95), percentile(busy, 0.95)
    return {
        "invitations": invitations, "import_s": round(import_seconds, 2), "queue_s": sent["queue_seconds"],
        "send_s": sent["send_seconds"], "messages_per_s": round(sent["sent"] / sent["send_seconds"], 1),
        "sent": sent["sent"], "failed": sent["failed"] + sent["deferred"], "received": received,
        "recipients": recipients, "rss_before_send_mb": sent["rss_before_send_mb"],
        "rss_after_send_mb": sent["rss_after_send_mb"],
        "peak_rss_mb": sent["peak_rss_mb"], "baseline_requests": len(quiet), "baseline_p50_ms": percentile(quiet, 0.5),
        "baseline_p95_ms": quiet_p95, "sending_requests": len(busy), "sending_p50_ms": percentile(busy, 0.5),
        "sending_p95_ms": busy_p95, "p95_ratio": round(busy_p95 / quiet_p95, 2) if quiet_p95 else None,
        "page_errors": quiet_errors + busy_errors, "sending_wall_s": round(wall, 2),
    }


COLUMNS = ["invitations", "send_s", "messages_per_s", "sent", "received", "failed", "rss_before_send_mb",
           "rss_after_send_mb", "peak_rss_mb", "baseline_p95_ms", "sending_p95_ms", "p95_ratio", "baseline_requests",
           "sending_requests", "page_errors", "queue_s", "import_s"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench invitations", description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true",
                        help=f"{LARGE['invitations']} invitations instead of {SMALL['invitations']}")
    parser.add_argument("--invitations", type=int, help="invitations to send")
    parser.add_argument("--baseline", type=float, help="seconds of the probe with nothing sent")
    parser.add_argument("--threads", type=int, default=PROBE_THREADS, help="probe clients at a time")
    parser.add_argument("--interval", type=float, default=PROBE_INTERVAL,
                        help="seconds between one probe client's page views")
    parser.add_argument("--rate", type=float, default=UNTHROTTLED,
                        help="MAIL_RATE, messages per second at most (default: unthrottled)")
    parser.add_argument("--json", action="store_true", help="print the JSON row instead of a table")
    args = parser.parse_args(argv)
    size = dict(LARGE if args.large else SMALL)
    size["invitations"] = args.invitations or size["invitations"]
    size["baseline"] = args.baseline or size["baseline"]
    print(f"invitations: {size['invitations']} through aiosmtpd on loopback, SQLite; probe {args.threads} clients "
          f"x 1 page view / {args.interval} s, baseline {size['baseline']} s", file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="manyi-invitations-"))
    try:
        row = measure(size["invitations"], size["baseline"], args.threads, args.interval, workdir, args.rate)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(row, indent=2))
    else:
        print(" | ".join(COLUMNS))
        print(" | ".join(str(row[c]) for c in COLUMNS))
    complete = row["sent"] == row["received"] == row["recipients"] == size["invitations"]
    return 0 if complete and not row["page_errors"] else 1
