"""Logging that never carries a respondent's IP address or user agent.

Anonymous surveys promise that no column, file or log line holds a respondent's IP address or
user agent.  Three things keep that promise:

* :class:`Anonymise`, a filter on every handler we configure: it drops the ``request`` object
  that Django attaches to log records (it holds ``REMOTE_ADDR`` and ``HTTP_USER_AGENT``, which
  a handler such as Django's ``AdminEmailHandler`` would print), blanks IP addresses in messages
  and replaces the secret parts of respondent URLs (session and follow-up links, resume code,
  receipt) with ``*`` so that a log line cannot tie an access time to a response, and drops
  the query strings of request lines;
* :func:`configure_logging`, the only logging configuration of the Django project (it replaces
  Django's default, whose ``mail_admins`` handler would e-mail request headers);
* :class:`GunicornLogger`, gunicorn's ``logger_class`` in :mod:`readiness.web.gunicorn_conf`:
  its access-log atoms hold no remote address (``%(h)s``), user agent (``%(a)s``), referrer
  (``%(f)s``), request or response headers and no query string.
"""

from __future__ import annotations

import logging
import logging.config
import re

from gunicorn.glogging import Logger as _GunicornLogger

# Respondent URLs whose second part is a secret: /s/<session token>/, /f/<follow-up token>/,
# /r/<resume code>/, /thanks/<receipt>/.
_SECRET_PATH = re.compile(r"/(s|f|r|thanks)/[^/\s\"?]+")
# The guide's address holds a member of staff's answers (/guide/0-1-2/): kept out of the logs.
_GUIDE_PATH = re.compile(r"/guide/[0-9][0-9-]*")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(
    r"(?<![0-9A-Za-z:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:)*[0-9A-Fa-f]{0,4}::(?:[0-9A-Fa-f]{1,4}:)*[0-9A-Fa-f]{0,4})"
    r"(?![0-9A-Za-z:])"
)
# The query string of a request line ("GET /path?query HTTP/1.1"): dropped.
_QUERY = re.compile(r"(\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^\s?\"]*)\?[^\s\"]*")
# Messages that name the server's own address, not a client's.
_BANNERS = ("Listening at", "Starting development server", "Django version")


def redact(text: str) -> str:
    """``text`` with respondent secrets in URLs, query strings and IP addresses replaced."""
    text = _QUERY.sub(r"\1", text)
    text = _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/*", text)
    text = _GUIDE_PATH.sub("/guide/*", text)
    text = _IPV4.sub("[address]", text)
    return _IPV6.sub("[address]", text)


class Anonymise(logging.Filter):
    """Strip request objects and redact addresses and respondent secrets from a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in ("request", "client", "addr", "remote_addr", "user_agent"):
            if hasattr(record, name):
                setattr(record, name, None)
        message = record.getMessage()
        if not message.startswith(_BANNERS):
            record.msg = redact(message)
            record.args = None
        elif _SECRET_PATH.search(message):
            record.msg = _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/*", message)
            record.args = None
        if record.exc_info and record.exc_text is None:
            # Tracebacks hold no request data, but their text is redacted too.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def logging_config(debug: bool = False) -> dict:
    """The dictConfig of the Django project: one console handler, anonymised."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"anonymise": {"()": "readiness.web.logs.Anonymise"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "server": {"format": "[%(asctime)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["anonymise"],
            },
            "server": {
                "class": "logging.StreamHandler",
                "formatter": "server",
                "filters": ["anonymise"],
            },
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # The development server's request lines: method, redacted path, status, size.
            "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
            "readiness": {
                "handlers": ["console"],
                "level": "DEBUG" if debug else "INFO",
                "propagate": False,
            },
        },
    }


def configure_logging(debug: bool = False) -> None:
    logging.config.dictConfig(logging_config(debug))


class GunicornLogger(_GunicornLogger):
    """Gunicorn's logger without the client's address, user agent, referrer or headers."""

    SAFE_ATOMS = ("t", "s", "m", "H", "b", "B", "T", "D", "M", "L", "p")

    def atoms(self, resp, req, environ, request_time):
        full = super().atoms(resp, req, environ, request_time)
        atoms = {k: full[k] for k in self.SAFE_ATOMS if k in full}
        path = redact(environ.get("PATH_INFO") or "")
        atoms["U"] = path
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms.update({"h": "-", "a": "-", "f": "-", "u": "-", "l": "-", "q": "-"})
        return atoms

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, Anonymise) for f in handler.filters):
                    handler.addFilter(Anonymise())
