"""Every environment variable the project reads, in one list, read strictly.

The settings read the environment only through ``read(NAME)``; a value that is not what its
variable takes (``HTTPS=ture``, ``ROOM_MAX_PHOTOS=ten``) stops start-up with ImproperlyConfigured
naming the variable, never a silent default.  ``docs/settings.md`` is generated from this list
(``python scripts/settings_doc.py``) and a test checks that it is, and that the code reads no
variable the list lacks.  Parsing of URLs and lists is django-environ's.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str                   # bool, int, float, str, list, url, rate, path
    default: str                # as the docs show it
    meaning: str
    production: str = ""        # "required" / what production does instead
    where: str = "settings"     # settings, gunicorn, prometheus_client


VARIABLES = [
    Variable("DEBUG", "bool", "1 (local) / always 0 (production)", "Django's debug pages; production settings are never in debug", "off"),
    Variable("SECRET_KEY", "str", "a development key (local only)", "signs sessions and tokens", "required"),
    Variable("DATABASE_URL", "url", "sqlite:///db.sqlite3", "e.g. postgres://postgres@127.0.0.1:5432/phongtro", "required"),
    Variable("CELERY_BROKER_URL", "url", "unset: tagging runs in-process", "e.g. redis://127.0.0.1:6379/0 (REDIS_URL is read when it is unset)", "required (or REDIS_URL)"),
    Variable("REDIS_URL", "url", "unset", "the broker, when CELERY_BROKER_URL is unset"),
    Variable("CACHE_URL", "url", "the broker's Redis (local), else in-process", "shared counts for rate limits across web processes", "required, and not the broker's URL"),
    Variable("METRICS_TOKEN", "str", "unset: /metrics only from this machine", "Prometheus scrapes /metrics with `Authorization: Bearer TOKEN`", "required"),
    Variable("ALLOWED_HOSTS", "list", "localhost,127.0.0.1,[::1]", "comma-separated host names, the server's own address included"),
    Variable("CSRF_TRUSTED_ORIGINS", "list", "empty", "e.g. https://phongtro.example when served through a proxy"),
    Variable("TRUSTED_PROXIES", "int", "0", "proxies in front that append to X-Forwarded-For (and set X-Forwarded-Proto); 0 ignores both"),
    Variable("HTTPS", "bool", "0", "1 behind TLS: HTTP→HTTPS redirect, HSTS (1 year, subdomains, preload), secure cookies"),
    Variable("CONN_MAX_AGE", "int", "0 (local) / 60 (production)", "seconds a database connection is kept between requests"),
    Variable("WEB_STATEMENT_TIMEOUT_MS", "int", "10000", "PostgreSQL cancels a web request's statement after this (0: off); workers and commands are not limited"),
    Variable("LOGIN_FAILURE_LIMIT", "int", "10", "wrong passwords from one client address (for one username, or for any) before that client is locked"),
    Variable("LOGIN_LOCKOUT_HOURS", "float", "0.25", "how long that lock lasts"),
    Variable("SIGNUP_RATE", "rate", "5/h", "new accounts per client address"),
    Variable("EXTRACT_FEATURES_RATE", "rate", "120/min", "/api/extract-features calls per user or client address (the try page counts with it)"),
    Variable("EMAIL_URL", "url", "consolemail:// (e-mails printed to the log)", "how e-mail leaves (password resets), e.g. smtp+tls://user:password@smtp.example:587"),
    Variable("DEFAULT_FROM_EMAIL", "str", "Phòng Trọ AI <no-reply@localhost>", "the sender of the site's e-mails"),
    Variable("TIME_ZONE", "str", "Asia/Ho_Chi_Minh", "the site's time zone"),
    Variable("STATIC_ROOT", "path", "staticfiles/", "where collectstatic writes"),
    Variable("STATIC_MANIFEST", "bool", "0 (local) / 1 (production)", "serve collectstatic's hashed, compressed files (whitenoise)"),
    Variable("MEDIA_ROOT", "path", "media/", "uploaded photos and thumbnails"),
    Variable("PHOTO_DRAFT_HOURS", "float", "24", "photos uploaded for a post that was never sent are deleted after this (beat, hourly)"),
    Variable("PHOTO_DRAFT_MAX", "int", "30", "photos uploaded but not yet posted one account may hold at once"),
    Variable("S3_BUCKET", "str", "unset: photos on this machine's disk (MEDIA_ROOT)", "the S3-compatible bucket that holds photos and thumbnails (sites on several machines)"),
    Variable("S3_ENDPOINT_URL", "url", "unset: AWS", "the object store's address, e.g. https://s3.ap-southeast-1.wasabisys.com, an R2 or a Vietnamese cloud's endpoint"),
    Variable("S3_REGION", "str", "unset", "the bucket's region"),
    Variable("S3_ACCESS_KEY_ID", "str", "unset: boto3's own chain (instance role, ~/.aws)", "the object store's access key"),
    Variable("S3_SECRET_ACCESS_KEY", "str", "unset", "its secret"),
    Variable("S3_PUBLIC_URL", "url", "unset: signed URLs", "a public address for the bucket's files (a CDN or a public bucket): plain URLs instead of signed ones"),
    Variable("S3_URL_EXPIRY", "int", "3600", "seconds a signed photo URL stays valid"),
    Variable("SERVE_MEDIA", "bool", "1 (local) / always 0 (production)", "Django serves uploaded photos itself; production leaves them to the web server", "off"),
    Variable("MLCORE_CHECKPOINT", "str", "default", "the tagger: default (the shipped multimodal model), lexicon, or a checkpoint folder"),
    Variable("MLCORE_RUNTIME", "str", "auto", "auto: the model's ONNX Runtime export where it has one, else PyTorch; onnx: the export or an error; torch: PyTorch"),
    Variable("TAGGING_MAX_TEXT_CHARS", "int", "20000", "longest title + description the tagger accepts"),
    Variable("ROOM_MAX_PHOTOS", "int", "10", "photos per room"),
    Variable("ROOM_PHOTO_MAX_BYTES", "int", "10485760 (10 MB)", "largest photo file"),
    Variable("ROOM_PHOTO_MAX_PIXELS", "int", "40000000", "most pixels in one photo"),
    Variable("ROOM_PHOTO_MAX_SIDE", "int", "2048", "stored photos are at most this long (bigger ones are scaled down)"),
    Variable("ROOM_PHOTO_THUMB_SIDE", "int", "480", "the lists' thumbnails"),
    Variable("ROOM_PHOTO_MAX_EDGE", "int", "12000", "refused before decoding: a longer side (or a shape over 8:1)"),
    Variable("REQUEST_MAX_PIXELS", "int", "120000000", "refused before decoding: more pixels in one post"),
    Variable("CELERY_TASK_DEFAULT_QUEUE", "str", "celery", "the queue tagging jobs go to"),
    Variable("REQUEUE_EVERY_SECONDS", "float", "30", "how often Celery beat sends the requeue of stale tagging jobs"),
    Variable("WORKER_METRICS_PORT", "int", "unset", "a Celery worker serves its Prometheus metrics on this port"),
    Variable("PROMETHEUS_MULTIPROC_DIR", "path", "unset", "one folder for the metrics of every web and worker process of a server (prometheus_client's multi-process mode)"),
    Variable("LOG_LEVEL", "str", "INFO", "the root logger's level"),
    Variable("GUNICORN_BIND", "str", "0.0.0.0:8000", "where gunicorn listens", where="gunicorn"),
    Variable("GUNICORN_WORKERS", "int", "2", "gunicorn worker processes", where="gunicorn"),
    Variable("GUNICORN_THREADS", "int", "4", "threads per gunicorn worker", where="gunicorn"),
    Variable("GUNICORN_TIMEOUT", "int", "60", "seconds before gunicorn restarts a silent worker", where="gunicorn"),
    Variable("GUNICORN_MAX_REQUESTS", "int", "1000", "requests before a gunicorn worker is recycled", where="gunicorn"),
    Variable("GUNICORN_ACCESS_LOG", "str", "-", "the access log (- stdout, empty: none)", where="gunicorn"),
    Variable("FORWARDED_ALLOW_IPS", "str", "127.0.0.1", "proxies gunicorn trusts for X-Forwarded-Proto", where="gunicorn"),
]
BY_NAME = {v.name: v for v in VARIABLES}
_env = environ.Env()


def is_set(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def read(name: str, default=None):
    """The variable's value in its kind, or ``default`` when it is unset or empty; a malformed
    value raises ImproperlyConfigured naming the variable."""
    var = BY_NAME[name]      # a KeyError here: add the variable to VARIABLES first
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    raw = raw.strip()
    try:
        if var.kind == "bool":
            if raw.lower() not in TRUE + FALSE:
                raise ValueError(f"not one of {'/'.join(TRUE)} or {'/'.join(FALSE)}")
            return raw.lower() in TRUE
        if var.kind == "int":
            return int(raw)
        if var.kind == "float":
            return float(raw)
        if var.kind == "list":
            return [item.strip() for item in _env.list(name) if item.strip()]
        if var.kind == "rate":
            count, _, period = raw.partition("/")
            if not count.isdigit() or not period or period[0] not in "smhd":
                raise ValueError("a rate is N/s, N/min, N/h or N/d")
            return raw
        if var.kind == "url" and "://" not in raw:
            raise ValueError("not a URL")
        return raw
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid {var.kind} ({exc}); "
                                   f"see docs/settings.md") from None


def require(names: list[str], why: str) -> None:
    """Stop start-up, naming every missing variable at once."""
    missing = [n for n in names if not is_set(n)]
    if missing:
        raise ImproperlyConfigured(f"{why}: set {', '.join(missing)} (docs/settings.md)")
