"""Settings shared by every way the site runs, read from the environment through one strict list
(``config.settings.variables``).  ``local`` (manage.py, the tests) adds the embedded defaults;
``production`` (the WSGI app, gunicorn, Celery) refuses to start without what it needs.

Unset, everything falls back to the embedded default: SQLite in ``db.sqlite3``, tagging jobs run
in-process, media under ``media/``.  ``DATABASE_URL=postgres://...`` selects PostgreSQL and
``CELERY_BROKER_URL=redis://...`` (or ``REDIS_URL``) sends tagging jobs to Celery workers.
"""
import warnings
from pathlib import Path

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

from .variables import read

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = read("DEBUG", True)
SECRET_KEY = read("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (docs/settings.md)")
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = read("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = read("CSRF_TRUSTED_ORIGINS", [])
# How many proxies in front of the site add themselves to X-Forwarded-For (0: clients connect
# directly, and a client's own X-Forwarded-For is ignored).  Rate limits and the login lockout key
# on the address this yields (guard.client_ip).
TRUSTED_PROXIES = read("TRUSTED_PROXIES", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "axes",
    "rooms",
    "tagging",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",      # static files, compressed, from any server
    "config.middleware.LimitRequestLine",
    "config.middleware.RejectNulBytes",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LimitRequestSize",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        read("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # In production connections are kept between requests (one per gunicorn thread, so a fixed
        # number) and checked before reuse; while developing (runserver starts a thread per request,
        # which would leave a connection behind each) they are closed after each request.
        conn_max_age=read("CONN_MAX_AGE", 0 if DEBUG else 60), conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests at once on the embedded default: wait for the write lock instead of failing,
    # take it at the start of a transaction, and let readers work while one request writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",          # lockout first: a locked account is not even checked
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one username from one client address,
# or from one client address for any usernames, that client is locked for 15 minutes (site and
# admin).  Never per username alone: one client's failures must not lock out another client who
# knows the password.  The address is the project's own (behind
# TRUSTED_PROXIES proxies, the one the outermost trusted proxy saw: guard.client_ip).
AXES_FAILURE_LIMIT = read("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = read("LOGIN_LOCKOUT_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "guard.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_VERBOSE = False
SIGNUP_RATE = read("SIGNUP_RATE", "5/h")
PHOTO_DRAFT_HOURS = read("PHOTO_DRAFT_HOURS", 24.0)    # photos of a post never sent are kept this long
PHOTO_DRAFT_MAX = read("PHOTO_DRAFT_MAX", 30)           # unsent photos one account may hold at once
EXTRACT_FEATURES_RATE = read("EXTRACT_FEATURES_RATE", "120/min")   # guard.allow counts both
# /metrics: Prometheus scrapes it with "Authorization: Bearer <METRICS_TOKEN>"; unset, only this machine.
METRICS_TOKEN = read("METRICS_TOKEN", "")
# A worker serves its metrics on this port; one folder for every process's metrics (multi-process).
WORKER_METRICS_PORT = read("WORKER_METRICS_PORT")
PROMETHEUS_MULTIPROC_DIR = read("PROMETHEUS_MULTIPROC_DIR", "")

LANGUAGE_CODE = "vi"
# Vietnamese for the admin strings Django's own translation lacks ("Show counts"…): locale/vi.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = read("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(read("STATIC_ROOT", BASE_DIR / "staticfiles"))
# whitenoise serves collectstatic's output with content hashes in the names (cached for a year)
# in production; while developing (and testing) the files are found where they are.
STATIC_MANIFEST = read("STATIC_MANIFEST", not DEBUG)
# Photos: this machine's disk (MEDIA_ROOT), or an S3-compatible object store that every machine
# reads (S3_BUCKET; django-storages), read and written only through the storage API.
def photo_storage() -> dict:
    """The photos' storage as the environment names it."""
    bucket = read("S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    public = read("S3_PUBLIC_URL", "")
    options = {"bucket_name": bucket, "endpoint_url": read("S3_ENDPOINT_URL", "") or None,
               "region_name": read("S3_REGION", "") or None,
               "access_key": read("S3_ACCESS_KEY_ID", "") or None, "secret_key": read("S3_SECRET_ACCESS_KEY", "") or None,
               "querystring_expire": read("S3_URL_EXPIRY", 3600), "file_overwrite": False, "default_acl": None,
               "signature_version": "s3v4",
               # photos get random names and are never rewritten: browsers and CDNs may keep them a year
               "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"}}
    if public:       # a CDN or a public bucket: plain URLs
        from urllib.parse import urlsplit

        url = urlsplit(public)
        options.update(querystring_auth=False, custom_domain=url.netloc + url.path.rstrip("/"), url_protocol=f"{url.scheme}:")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def photo_origins() -> list[str]:
    """Where pages load photos from besides the site itself (the Content-Security-Policy's img-src):
    the object store's public address or endpoint; AWS's S3 hosts when no endpoint is named."""
    if not read("S3_BUCKET", ""):
        return []
    from urllib.parse import urlsplit

    url = read("S3_PUBLIC_URL", "") or read("S3_ENDPOINT_URL", "")
    if not url:
        return ["https://*.amazonaws.com"]
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"]


STORAGES = {
    "default": photo_storage(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
if not STATIC_MANIFEST:   # developing: no collectstatic output is expected, the finders serve the files
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(read("MEDIA_ROOT", BASE_DIR / "media"))

# Serve uploads from Django itself (the embedded default); turn off behind a real web server.
SERVE_MEDIA = read("SERVE_MEDIA", True)

# E-mail (password resets): printed to the log unless EMAIL_URL names an SMTP server.
_email = environ.Env.email_url_config(read("EMAIL_URL", "consolemail://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST, EMAIL_PORT = _email.get("EMAIL_HOST", "localhost"), _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_USER", ""), _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS, EMAIL_USE_SSL = _email.get("EMAIL_USE_TLS", False), _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = read("DEFAULT_FROM_EMAIL", "Phòng Trọ AI <no-reply@localhost>")
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_rooms"
LOGOUT_REDIRECT_URL = "search"

# --- tagging ---------------------------------------------------------------------------------
# Which tagger suggests tags: "default" (the multimodal model shipped in mlcore/resources/default_model),
# "lexicon" (the rules alone) or the path of a trained checkpoint.
MLCORE_CHECKPOINT = read("MLCORE_CHECKPOINT", "default")
# How a checkpoint runs: "auto" (its ONNX Runtime export where it has one), "onnx" or "torch".
MLCORE_RUNTIME = read("MLCORE_RUNTIME", "auto").lower()
if MLCORE_RUNTIME not in ("auto", "onnx", "torch"):
    raise ImproperlyConfigured(f"MLCORE_RUNTIME={MLCORE_RUNTIME!r}: use auto, onnx or torch (docs/settings.md)")
# The longest listing text the tagger accepts (characters); longer input is refused with a message.
TAGGING_MAX_TEXT_CHARS = read("TAGGING_MAX_TEXT_CHARS", 20000)

# --- photos ----------------------------------------------------------------------------------
ROOM_MAX_PHOTOS = read("ROOM_MAX_PHOTOS", 10)
ROOM_PHOTO_MAX_BYTES = read("ROOM_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
ROOM_PHOTO_MAX_PIXELS = read("ROOM_PHOTO_MAX_PIXELS", 40_000_000)
# Stored photos are at most this long (a phone screen is 1080-1440 px wide, at 1.5-2x density): a
# 12 MP upload is decoded at half size (JPEG DCT scaling, 2000x1500) and stored as decoded, with no
# resampling pass (photos.processing._jpeg_decode_size).
ROOM_PHOTO_MAX_SIDE = read("ROOM_PHOTO_MAX_SIDE", 2048)
# Lists (search results, the tag page) show a thumbnail this long, made at upload.
ROOM_PHOTO_THUMB_SIDE = read("ROOM_PHOTO_THUMB_SIDE", 480)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Whole-request limits, checked from Content-Length before the body is read (config.middleware).
MAX_REQUEST_BYTES = ROOM_MAX_PHOTOS * ROOM_PHOTO_MAX_BYTES + 1024 * 1024
ANON_MAX_REQUEST_BYTES = ROOM_PHOTO_MAX_BYTES + 1024 * 1024
# Decoding cost, bounded before decoding: pixels per photo (ROOM_PHOTO_MAX_PIXELS), the longest
# side, the most elongated shape, and the pixels of all photos of one request together.
ROOM_PHOTO_MAX_EDGE = read("ROOM_PHOTO_MAX_EDGE", 12000)
ROOM_PHOTO_MAX_ASPECT = 8
REQUEST_MAX_PIXELS = read("REQUEST_MAX_PIXELS", 120_000_000)
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
# Web processes (config.wsgi): PostgreSQL cancels any statement of a request that runs longer than
# this, so that no request holds a query (and a connection) for minutes.  0 turns it off.
WEB_STATEMENT_TIMEOUT_MS = read("WEB_STATEMENT_TIMEOUT_MS", 10000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- cache: rate limits shared by every web process --------------------------------------------
# Redis when there is one (CACHE_URL, else the broker's Redis), so that N web processes share one
# count; a process-local cache on the embedded default.  Short timeouts: a hung Redis costs a
# request at most a second, and the limits then let requests through (guard.allow).
CELERY_BROKER_URL = read("CELERY_BROKER_URL") or read("REDIS_URL") or ""
CACHE_URL = read("CACHE_URL") or CELERY_BROKER_URL
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "phongtro",
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ----------------------------------------------------------------------------------
# No broker configured: run tasks in-process (the embedded default needs no servers).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that accepts connections but never answers must not hang a landlord's save: sends time
# out after half a second and are retried once (tagging.jobs.send_job), then the job waits for the requeue.
# The visibility timeout (Redis gives a dead worker's unacknowledged message to another worker after
# it) is kept well above the task time limit, so a running job is never delivered twice; the requeue
# (tagging.jobs.stale_jobs) brings a dead worker's jobs back within two minutes instead.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 0.5, "socket_timeout": 0.5}
# `celery -A config beat` (one per deployment) sends the requeue every 30 s: a job whose worker
# died is running again within ~90 s, with no manual command (tagging.jobs.requeue_stale).
CELERY_TASK_DEFAULT_QUEUE = read("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-tagging-jobs": {"task": "tagging.requeue_stale_jobs",
                                   "schedule": read("REQUEUE_EVERY_SECONDS", 30.0)},
    "clean-photo-drafts": {"task": "rooms.clean_photo_drafts", "schedule": 3600.0},
}

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "NUM_PROXIES": TRUSTED_PROXIES,       # the client address: never a made-up X-Forwarded-For
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Phòng Trọ AI API",
    "DESCRIPTION": "Rooms, search by confirmed feature tags, tagging jobs, and feature extraction.",
    "VERSION": "1.0.0",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": read("LOG_LEVEL", "INFO").upper()},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- HTTPS and headers --------------------------------------------------------------------------
# HTTPS=1 (the site is served over TLS, usually by a proxy in front): redirect HTTP to HTTPS, HSTS
# for a year, secure cookies, all together.  Without it cookies work over plain HTTP (the
# embedded default, a LAN test), since secure cookies over HTTP make every login fail with 403.
HTTPS = read("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
if TRUSTED_PROXIES:   # only a trusted proxy may say the request was HTTPS
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles from this site only (inline style
# attributes allowed for the confidence bars); images also as data: URLs and blobs (the photo
# previews before upload); no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *photo_origins()],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
