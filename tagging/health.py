"""Liveness and readiness, as container platforms probe them.

``/health`` (liveness): the process answers; it touches nothing else, so a slow database or a model
still loading never gets a healthy process restarted.  ``/ready`` (readiness): the model is loaded,
the database and the task broker answer, within HEALTH_DEADLINE; 503 until then (a new process
loads its model in the background from its start, config.wsgi), so a load balancer sends it no
traffic before it can serve."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connection

HEALTH_DEADLINE = 1.5   # seconds for all checks together: a hung dependency reads "timeout"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any failure to reach the database is "down", never a 500 page
        return "down"
    finally:
        connection.close()   # this ran in a helper thread: its connection goes with it


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            client.close()
            return "ok"
        from celery import current_app as app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return "ok"
    except Exception:
        return "down"


def _model() -> tuple[bool, str | None, str | None]:
    from .serving import get_tagger

    try:
        tagger = get_tagger()
        return True, tagger.version, getattr(tagger, "runtime_name", "rules")
    except Exception:
        return False, None, None


# Three checks for each request thread of a web process (gunicorn: 4), so one request's checks never
# wait behind another's for the deadline.
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="health")


def liveness() -> dict:
    """The process answers; the model's version once it is loaded (never loaded by this)."""
    from .serving import loaded_tagger

    tagger = loaded_tagger()
    return {"status": "ok", "model_loaded": tagger is not None, "model_version": tagger.version if tagger else None}


def readiness() -> dict:
    checks = {"database": _pool.submit(_database), "broker": _pool.submit(_broker), "model": _pool.submit(_model)}
    wait(checks.values(), timeout=HEALTH_DEADLINE)
    result = {name: (f.result() if f.done() else None) for name, f in checks.items()}
    model_loaded, model_version, model_runtime = result["model"] or (False, None, None)
    status = {"database": result["database"] or "timeout", "broker": result["broker"] or "timeout",
              "model_loaded": model_loaded, "model_version": model_version, "model_runtime": model_runtime}
    ok = status["database"] == "ok" and status["broker"] in ("ok", "in-process") and model_loaded
    return {"status": "ok" if ok else "degraded", **status}
