"""What /health reports: database, task broker, model."""
from __future__ import annotations

from django.conf import settings
from django.db import connection


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any failure to reach the database is "down", never a 500 page
        return "down"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "down"


def health_status() -> dict:
    from .services import get_tagger

    status = {"database": _database(), "broker": _broker(), "model_loaded": False, "model_version": None}
    try:
        tagger = get_tagger()
        status["model_loaded"], status["model_version"] = True, tagger.version
    except Exception:
        pass
    ok = status["database"] == "ok" and status["broker"] != "down" and status["model_loaded"]
    return {"status": "ok" if ok else "degraded", **status}
