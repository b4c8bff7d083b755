"""Gunicorn configuration: ``gunicorn -c python:readiness.web.gunicorn_conf readiness.web.wsgi``.

Several workers (``READINESS_WORKERS``, default 2 x cores + 1), bound to loopback behind a
proxy (``READINESS_BIND``, default ``127.0.0.1:8000``), and an access log that holds no client
address, user agent, referrer or query string (:class:`readiness.web.logs.GunicornLogger`).
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("READINESS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("READINESS_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("READINESS_ACCESS_LOG", "-")
errorlog = os.environ.get("READINESS_ERROR_LOG", "-")
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = "readiness.web.logs.GunicornLogger"
# The proxy sets X-Forwarded-Proto, and X-Real-IP, which only the respondent rate limits read
# (readiness.web.security.ratelimit); the client's address is never logged.
forwarded_allow_ips = os.environ.get("READINESS_FORWARDED_ALLOW_IPS", "127.0.0.1")
