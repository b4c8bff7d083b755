"""Gunicorn configuration: ``gunicorn -c python:readiness.web.gunicorn_conf readiness.web.wsgi``.

Several workers (``READINESS_WORKERS``, default 2 x cores + 1), bound to loopback behind a
proxy (``READINESS_BIND``, default ``127.0.0.1:8000``), and an access log that holds no client
address, user agent, referrer or query string (:class:`readiness.web.logs.GunicornLogger`).

The application is loaded once, in the master, and warmed there (:func:`warm`) before it
listens and forks the workers: otherwise each worker's first page imported every view module
(pandas, SciPy, the analysis) and compiled its templates while someone waited, 4.4 s for a
first dashboard view at 1,500,000 responses against 0.95 s for later ones (issue 18).  A
worker that replaces one that died starts warm too.  Code is not reloaded on ``HUP``: restart
gunicorn after an upgrade.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("READINESS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("READINESS_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 20
preload_app = True
accesslog = os.environ.get("READINESS_ACCESS_LOG", "-")
errorlog = os.environ.get("READINESS_ERROR_LOG", "-")
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = "readiness.web.logs.GunicornLogger"
# The proxy sets X-Forwarded-Proto, and X-Real-IP, which only the respondent rate limits read
# (readiness.web.security.ratelimit); the client's address is never logged.
forwarded_allow_ips = os.environ.get("READINESS_FORWARDED_ALLOW_IPS", "127.0.0.1")


def warm() -> None:
    """Do now what a process's first request would: import every view (resolving the URL
    configuration imports them) and compile every Jinja template.  Then close any database
    connection, which forked workers must not share."""
    from django.db import connections
    from django.template import engines
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (reading it imports the URL configuration and views)
    resolver.reverse_dict  # noqa: B018 (and this builds the table url() reverses with)
    for engine in engines.all():
        env = getattr(engine, "env", None)  # Jinja's; the admin's Django templates are small
        if env is not None:
            for name in env.list_templates():
                env.get_template(name)
    connections.close_all()


def on_starting(server) -> None:
    """In the master, with the application loaded (``preload_app``), before it listens."""
    if server.cfg.preload_app:
        warm()


def post_worker_init(worker) -> None:
    """In a worker that loaded the application itself (preloading turned off): warm it before
    it takes a request."""
    if not worker.cfg.preload_app:
        warm()
