"""Production settings: what the WSGI app, gunicorn and Celery run.  They fail closed: never in
debug, uploads served by the web server (not Django), and start-up stops with one message naming
every missing variable: SECRET_KEY, DATABASE_URL, the broker (CELERY_BROKER_URL or REDIS_URL),
METRICS_TOKEN and a CACHE_URL of its own (rate-limit counts never share the broker's database)."""
import os

from django.core.exceptions import ImproperlyConfigured

from .variables import is_set, read, require

require(["SECRET_KEY", "DATABASE_URL", "METRICS_TOKEN", "CACHE_URL"], "production settings need")
if not (is_set("CELERY_BROKER_URL") or is_set("REDIS_URL")):
    require(["CELERY_BROKER_URL"], "production settings need a task broker")
if read("DEBUG", False):
    raise ImproperlyConfigured("DEBUG=1 with the production settings: debug pages are never served in production")

# base derives what depends on debug (connection reuse, hashed static files) from DEBUG: it is off.
os.environ["DEBUG"] = "0"

from .base import *  # noqa: E402,F401,F403
from .base import CELERY_BROKER_URL, CACHE_URL  # noqa: E402

DEBUG = False
SERVE_MEDIA = False
if CACHE_URL == CELERY_BROKER_URL:
    raise ImproperlyConfigured("CACHE_URL is the broker's URL: give the cache a database of its own "
                               "(e.g. redis://host:6379/1 beside a broker on /0)")
