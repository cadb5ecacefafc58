"""gunicorn settings for `make run` and production (override with GUNICORN_CMD_ARGS)."""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
# One thread per worker (gunicorn's sync worker): a page request is processor work, and threads of one process only
# take turns at the interpreter lock. On 2 cores with 50 concurrent respondents (python -m bench load) 2 workers x
# 1 thread answered 10-20 % more requests than 2 x 4 at half the p95 latency (SQLite and PostgreSQL alike);
# more workers than cores cost more processor time per request. The sync worker does not keep connections open
# and must not face slow clients itself: put nginx in front (docs/deployment.md), as for any production use.
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = 60
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): several servers on one machine (the
# load bench, the durability tests, blue-green restarts) would take it from each other, and nothing uses it.
control_socket_disable = True
# the access log writes personal survey and resume links without their tokens (see survey_app.logs.py)
logger_class = "survey_app.logs.RedactingLogger"
