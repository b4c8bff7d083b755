"""Django settings, read from the environment.

=========================  ==================================================================
``READINESS_DATA_DIR``     the data folder (default ``./readiness-data``): the SQLite database,
                           the generated secret key
``DATABASE_URL``           a database URL (``postgresql://user@host:5432/name``); default
                           SQLite in WAL mode at ``$READINESS_DATA_DIR/readiness.sqlite3``
``READINESS_SECRET_KEY``   Django's secret key; default a random key kept in the data folder
``READINESS_DEBUG``        ``1`` for Django's debug pages (never in production)
``READINESS_ALLOWED_HOSTS``  comma-separated host names (default ``localhost,127.0.0.1,[::1]``)
``READINESS_SECURE``       ``1`` behind an HTTPS proxy: secure cookies, HSTS, the proxy's header
``READINESS_NHS_ORGANISATION``  ``1`` when the service is run by an NHS organisation: only
                           then does the header show the NHS logo
``READINESS_EMAIL_HOST``   the SMTP server that sends invitations and password links (with
                           ``_PORT``, ``_USER``, ``_PASSWORD``, ``_USE_TLS`` and
                           ``READINESS_EMAIL_FROM``); unset, messages are printed to the terminal
``READINESS_FRONTEND_DIR`` the ``nhsuk-frontend/dist/nhsuk`` folder, when it is not under
                           ``node_modules/`` of the current folder or of the source checkout
=========================  ==================================================================

Privacy: nothing here logs a client's IP address or user agent (see :mod:`readiness.web.logs`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("READINESS_DATA_DIR", "readiness-data")).resolve()


def _make_data_dir() -> None:
    """Create the data folder, with a .gitignore so that a checkout never commits it.

    Only the account that runs Readiness may enter it (0700): it holds the database, the
    secret key, the results cache and the respondents' answers kept beside it.
    """
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    ignore = DATA_DIR / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Readiness's data folder: database and secret key. Never commit.\n*\n")


def _private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600), unless it exists: SQLite
    then gives the database's -wal and -shm files the same mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _secret_key() -> str:
    key = os.environ.get("READINESS_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    _make_data_dir()
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _frontend_dir() -> Path:
    configured = os.environ.get("READINESS_FRONTEND_DIR")
    if configured:
        return Path(configured)
    tail = Path("node_modules") / "nhsuk-frontend" / "dist" / "nhsuk"
    for root in (Path.cwd(), PACKAGE_DIR.parents[2]):
        if (root / tail).is_dir():
            return root / tail
    return Path.cwd() / tail


SECRET_KEY = _secret_key()
DEBUG = _flag("READINESS_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("READINESS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "readiness.web.accounts",
    "readiness.web.surveys",
    "readiness.web.interviews",
    "readiness.web.audit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # two-factor backup codes (readiness.web.security.backup)
    "readiness.web.security",
    "readiness.web.guide",
    "django_tasks",
    "django_tasks_db",
    "readiness.web.jobs",
    "readiness.web.api",
]

# Every path, respondents' pages included (what protects them stays here).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "readiness.web.security.csp.ContentSecurityPolicyMiddleware",
    "readiness.web.uploads.RequestSizeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "readiness.web.security.ratelimit.RespondentRateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "readiness.web.paths.StaffMiddleware",
]
# Every path but respondents' anonymous pages (readiness.web.paths), in this order.
STAFF_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "readiness.web.security.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
# The admin's checks look for these three in MIDDLEWARE; they are in STAFF_MIDDLEWARE, which
# runs them for the admin's pages (tests/web/test_answer_page_path.py checks).
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]

ROOT_URLCONF = "readiness.web.urls"
WSGI_APPLICATION = "readiness.web.wsgi.application"

TEMPLATES = [
    {
        # Our pages: Jinja2 with the NHS.UK frontend macros (nhsuk-frontend-jinja).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "templates" / "jinja2", PACKAGE_DIR / "interviews" / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "readiness.web.jinja.environment",
            "context_processors": ["django.contrib.messages.context_processors.messages"],
        },
    },
    {
        # Django's admin keeps its own templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'readiness.sqlite3'}", conn_max_age=60
    )
}
if os.environ.get("READINESS_TEST_DB_NAME"):
    # The test database's name (pytest-django adds _gw0, _gw1 per worker): a name of its own
    # per test run, so that two runs against one PostgreSQL server never meet.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["READINESS_TEST_DB_NAME"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept, as for PostgreSQL: opening one per request costs more than the
    # request (benchmarks/bench_web.py).
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE transactions take the write
        # lock at BEGIN so that two writers queue (busy timeout) instead of failing.
        # synchronous=FULL: every commit reaches the disk before it returns, so an answer the
        # server accepted survives a power cut too (NORMAL would only survive a crash of the
        # process); benchmarks/bench_web.py measures the answer pages with it.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _make_data_dir()
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        _private_file(Path(DATABASES["default"]["NAME"]))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first; PBKDF2 only to read (and upgrade) hashes made before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling keyed on the username (readiness.web.security.throttle): after
# READINESS_LOGIN_FAILURES failures in READINESS_LOGIN_WINDOW seconds, the username is locked
# for READINESS_LOGIN_LOCKOUT seconds.
AUTHENTICATION_BACKENDS = ["readiness.web.security.backends.ThrottledModelBackend"]
READINESS_LOGIN_FAILURES = int(os.environ.get("READINESS_LOGIN_FAILURES", "5"))
READINESS_LOGIN_WINDOW = int(os.environ.get("READINESS_LOGIN_WINDOW", "900"))
READINESS_LOGIN_LOCKOUT = int(os.environ.get("READINESS_LOGIN_LOCKOUT", "900"))
# Two-factor authentication (readiness.web.security.twofactor): optional, or required for all.
READINESS_REQUIRE_TWO_FACTOR = _flag("READINESS_REQUIRE_TWO_FACTOR")
OTP_TOTP_ISSUER = os.environ.get("READINESS_SERVICE_NAME", "Readiness")
# Respondent pages: submissions per client, per session link and per resume code
# ("COUNT/SECONDS"; the numbers are explained in readiness.web.security.ratelimit).
READINESS_RATE_CLIENT_STARTS = os.environ.get("READINESS_RATE_CLIENT_STARTS", "200/600")
READINESS_RATE_STARTS = os.environ.get("READINESS_RATE_STARTS", "5000/600")
READINESS_RATE_PAGES = os.environ.get("READINESS_RATE_PAGES", "60/60")
READINESS_RATE_CLIENT_RESUME = os.environ.get("READINESS_RATE_CLIENT_RESUME", "100/600")
READINESS_RATE_RESUME = os.environ.get("READINESS_RATE_RESUME", "10/600")
# API calls per token (readiness.web.api), "COUNT/SECONDS".
READINESS_RATE_API = os.environ.get("READINESS_RATE_API", "600/60")
# The proxy's address: only from it is X-Real-IP (the client's address) believed.
READINESS_FORWARDED_ALLOW_IPS = os.environ.get("READINESS_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Unsubmitted responses are deleted this many days after they were last saved.
READINESS_DRAFT_DAYS = int(os.environ.get("READINESS_DRAFT_DAYS", "30"))
if READINESS_DRAFT_DAYS < 1:
    raise ImproperlyConfigured(
        f"READINESS_DRAFT_DAYS is {READINESS_DRAFT_DAYS}. Fix: set it to a number of days, "
        "1 or more (unsubmitted responses are kept that long after they were last saved)."
    )
# Member forms: usernames that are no account one person may enter ("COUNT/SECONDS").
READINESS_MEMBER_LOOKUPS = os.environ.get("READINESS_MEMBER_LOOKUPS", "10/3600")
# E-mail (invitations and password links, readiness.web.accounts.mail): an SMTP server from
# READINESS_EMAIL_HOST (and _PORT, _USER, _PASSWORD, _USE_TLS); without one, each message is
# printed to the terminal that runs the server (Django's console backend: the demo, make run).
EMAIL_HOST = os.environ.get("READINESS_EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("READINESS_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("READINESS_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("READINESS_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = _flag("READINESS_EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("READINESS_EMAIL_FROM", "readiness@localhost")
# A link to set a password (an invitation, a forgotten password) works once, for 3 days.
PASSWORD_RESET_TIMEOUT = 3 * 86400
# Forgotten-password requests ("COUNT/SECONDS"): per address asked about, and per client.
READINESS_RATE_RESETS = os.environ.get("READINESS_RATE_RESETS", "3/3600")
READINESS_RATE_CLIENT_RESETS = os.environ.get("READINESS_RATE_CLIENT_RESETS", "20/3600")
# Invitations by e-mail one person may send ("COUNT/SECONDS").
READINESS_INVITATIONS = os.environ.get("READINESS_INVITATIONS", "50/86400")
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "surveys:studies"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Only for `django-admin collectstatic`; WhiteNoise serves from the finders without it.
STATIC_ROOT = os.environ.get("READINESS_STATIC_ROOT") or None
FRONTEND_DIR = _frontend_dir()
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
if FRONTEND_DIR.is_dir():
    STATICFILES_DIRS.append(("nhsuk", FRONTEND_DIR))
# WhiteNoise serves from the finders (node_modules) without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Cookies and transport: secure unless debugging or READINESS_SECURE=0 (plain HTTP on
# loopback: `readiness serve` and `readiness web demo` set it).  Behind an HTTPS proxy.
SECURE = _flag("READINESS_SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A year (browsers remember it); READINESS_HSTS_SECONDS=300 while trying HTTPS out.
    SECURE_HSTS_SECONDS = int(os.environ.get("READINESS_HSTS_SECONDS", "31536000"))
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if not h.startswith(".")]

# Sessions live in the database (Django's default, named here because several app servers
# behind one proxy must share them: docs/web.md, "Several servers").
SESSION_ENGINE = "django.contrib.sessions.backends.db"


def _results_cache() -> dict:
    """The ``results`` cache (readiness.web.surveys.resultscache; the kept response frames go
    beside it, readiness.web.surveys.responseframe).  READINESS_CACHE_URL: ``database`` (a
    table of the database, shared by every app server: the default on PostgreSQL) or
    ``files`` (this server's data folder: the default on SQLite, where only one machine
    serves) or ``files:FOLDER``."""
    pg = DATABASES["default"]["ENGINE"].endswith("postgresql")
    url = os.environ.get("READINESS_CACHE_URL", "").strip() or ("database" if pg else "files")
    if url == "database":
        # Many keys (a study's sites, waves, evaluation steps): culled only past 100,000.
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "readiness_cache",  # made by migrate (readiness.web.surveys.apps)
            "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10},
        }
    if url == "files" or url.startswith("files:"):
        folder = url.partition(":")[2] or str(DATA_DIR / "cache")
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": folder,
        }
    raise ImproperlyConfigured(
        f"READINESS_CACHE_URL is '{url}'. Fix: set it to 'database' (shared by every app "
        "server), 'files' (this server's data folder) or 'files:FOLDER'."
    )


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The dashboard's analysis results, shared by the workers (readiness.web.surveys.resultscache).
    "results": _results_cache(),
}

# Background jobs (readiness.web.jobs; `readiness web worker` runs them).  Django's own Tasks
# API (django.tasks, shipped in Django 6.0; the django-tasks backport until then, so moving to
# Django 6 changes imports only) with the database backend (django-tasks-db): the queue is rows
# of the database Readiness already has, SQLite or PostgreSQL, so there is no new service to
# run; on PostgreSQL a worker claims a job with SELECT ... FOR UPDATE SKIP LOCKED, so two
# workers never take the same one (on SQLite an exclusive transaction does the same).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Finished jobs' files (reports made in the background, uploads waiting to be imported).
READINESS_JOB_FILES_DIR = os.environ.get("READINESS_JOB_FILES_DIR", str(DATA_DIR / "job-files"))
# A running job whose worker has given no sign of life for this long is marked failed.  The
# worker's watch beats every tenth of it whatever the job does (readiness.web.jobs.worker).
READINESS_JOB_STALE_SECONDS = int(os.environ.get("READINESS_JOB_STALE_SECONDS", "300"))

# Readiness's own settings.
READINESS_NHS_ORGANISATION = _flag("READINESS_NHS_ORGANISATION")
READINESS_SERVICE_NAME = os.environ.get("READINESS_SERVICE_NAME", "Readiness")
READINESS_MIN_CELL = int(os.environ.get("READINESS_MIN_CELL", "5"))
# The most a response file to import may be (readiness.web.uploads; a request body larger than
# every upload cap is refused unread), so that an import ends well within gunicorn's 30 s
# timeout (gunicorn_conf.py; benchmarks/bench_imports.py): on SQLite a 40 MB CSV imports in
# about 12 s, so 50 MB; PostgreSQL parses every answer into jsonb (24 MB took 18 to 22 s on a
# busy machine), so 20 MB.
_POSTGRESQL = DATABASES["default"]["ENGINE"].endswith("postgresql")
READINESS_MAX_SURVEY_UPLOAD_BYTES = int(
    os.environ.get("READINESS_MAX_SURVEY_UPLOAD_BYTES", str((20 if _POSTGRESQL else 50) * 2**20))
)
# Response files up to this size are imported while the person waits (a second or two);
# larger ones by the background worker (readiness.web.jobs), whose page shows the progress.
READINESS_IMPORT_INLINE_BYTES = int(os.environ.get("READINESS_IMPORT_INLINE_BYTES", str(2 * 2**20)))
# Studies with more responses than this have their exports made by the background worker
# (an XLSX of 50,000 responses took 91 s, a CSV 17 s, on a busy two-core machine).
READINESS_EXPORT_INLINE_ROWS = int(os.environ.get("READINESS_EXPORT_INLINE_ROWS", "5000"))
# The most an imported XLSX file may unpack to (its worksheets' XML): reading XLSX is slow, and
# 20 MB (about 12,000 responses) is read in about 10 s.  Larger imports are made as CSV.
READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES = int(
    os.environ.get("READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES", str(20 * 1024 * 1024))
)
# The most an instrument file to upload (XLSForm, REDCap dictionary, YAML) may be; never more
# than a response file (readiness.web.surveys.instruments.max_upload_bytes).
READINESS_MAX_INSTRUMENT_UPLOAD_BYTES = int(
    os.environ.get("READINESS_MAX_INSTRUMENT_UPLOAD_BYTES", str(5 * 2**20))
)
# The most an interview upload (a project to import, or transcripts added at once) may be.
READINESS_MAX_INTERVIEW_UPLOAD_BYTES = int(
    os.environ.get("READINESS_MAX_INTERVIEW_UPLOAD_BYTES", str(50 * 1024 * 1024))
)
# A transcript's recording (readiness.web.interviews.media): the most one may be (None: the
# interview upload cap), and the private folder that keeps them (never served as static files).
READINESS_MAX_INTERVIEW_MEDIA_BYTES = (
    int(os.environ["READINESS_MAX_INTERVIEW_MEDIA_BYTES"])
    if os.environ.get("READINESS_MAX_INTERVIEW_MEDIA_BYTES")
    else None
)
READINESS_INTERVIEW_MEDIA_DIR = os.environ.get(
    "READINESS_INTERVIEW_MEDIA_DIR", str(DATA_DIR / "interview-media")
)
# Studies with more responses than this have their dashboard results computed in the background
# from the first view (readiness.web.surveys.resultscache).
READINESS_RESULTS_IN_BACKGROUND = int(os.environ.get("READINESS_RESULTS_IN_BACKGROUND", "20000"))
# The dashboard treats sites as clusters when its results cover at least this many sites.
READINESS_MIN_CLUSTERS = int(os.environ.get("READINESS_MIN_CLUSTERS", "10"))

# The response guide (readiness.web.guide): for signed-in staff unless READINESS_GUIDE_PUBLIC
# opens it without sign-in (a trust intranet link); READINESS_GUIDE_NATION answers "Where are
# you working?" for everyone (england, wales, scotland, northern_ireland; empty: ask);
# READINESS_GUIDE_LOCAL is the trust's local contacts file (YAML); READINESS_GUIDE_FOLDER the
# content folder (empty: the content shipped with the package).
READINESS_GUIDE_PUBLIC = _flag("READINESS_GUIDE_PUBLIC")
READINESS_GUIDE_NATION = os.environ.get("READINESS_GUIDE_NATION", "").strip()
READINESS_GUIDE_LOCAL = os.environ.get("READINESS_GUIDE_LOCAL", "").strip()
READINESS_GUIDE_FOLDER = os.environ.get("READINESS_GUIDE_FOLDER", "").strip()
_GUIDE_NATIONS = ("england", "wales", "scotland", "northern_ireland")
if READINESS_GUIDE_NATION and READINESS_GUIDE_NATION not in _GUIDE_NATIONS:
    raise ImproperlyConfigured(
        f"READINESS_GUIDE_NATION is '{READINESS_GUIDE_NATION}'. Fix: set it to one of "
        f"{', '.join(_GUIDE_NATIONS)}, or leave it empty to ask where staff are working."
    )

# No log line carries a client's IP address or user agent: see readiness.web.logs.
LOGGING_CONFIG = None
from readiness.web.logs import configure_logging  # noqa: E402

configure_logging(debug=DEBUG)
