"""The sender of ``python -m bench invitations``, in a process of its own so that its peak memory is its own.

It queues the bench survey's invitations and sends them with ``send_queued`` (what ``flask mail send`` and the
scheduler loop run) to ``SMTP_URL``, printing ``sending`` once the queue is filled and, at the end, one line of
JSON: counts, seconds, the process's resident memory before and after sending, and its peak.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def rss_mb() -> float:
    """The process's resident memory now (VmRSS of /proc/self/status, in KiB)."""
    with open("/proc/self/status", encoding="ascii") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return round(kib / 1024, 1)


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(slug: str) -> None:
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.services.mail import queue_invitations, send_queued
    from survey_app.services.surveys import get_survey

    app = create_app({"RATELIMIT_ENABLED": False, "MAIL_SEND_IN_BACKGROUND": False})
    with app.app_context():
        started = time.perf_counter()
        queued = queue_invitations(get_survey(slug))
        db.session.commit()
        queue_seconds = time.perf_counter() - started
        before = rss_mb()
        print("sending", flush=True)
        started = time.perf_counter()
        result = send_queued()
        send_seconds = time.perf_counter() - started
        after = rss_mb()
    print(json.dumps({"queued": queued, "sent": result.sent, "deferred": result.deferred, "failed": result.failed,
                      "queue_seconds": round(queue_seconds, 2), "send_seconds": round(send_seconds, 2),
                      "rss_before_send_mb": before, "rss_after_send_mb": after,
                      "peak_rss_mb": peak_rss_mb()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
