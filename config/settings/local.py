"""Local settings: what ``manage.py`` and the tests run.  The embedded default (SQLite, tagging
in-process, a process-local cache, Django serving uploads, DEBUG on) unless the environment
says otherwise (DATABASE_URL, CELERY_BROKER_URL... for the end-to-end tests)."""
from .base import *  # noqa: F401,F403
