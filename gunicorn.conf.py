"""gunicorn settings for `make run` and production (override with GUNICORN_CMD_ARGS)."""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): several servers on one machine (the
# load bench, the durability tests, blue-green restarts) would take it from each other, and nothing uses it.
control_socket_disable = True
# the access log writes personal survey and resume links without their tokens (see survey_app.logs.py)
logger_class = "survey_app.logs.RedactingLogger"
