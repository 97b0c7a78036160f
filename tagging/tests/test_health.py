import pytest
from django.urls import reverse

from mlcore.checkpoint import checkpoint_version
from mlcore.lexicon import LexiconTagger
from mlcore.rules_version import versioned
from mlcore.taggers import DEFAULT_CHECKPOINT

# the site's default tagger is the shipped model, reading today's rules
DEFAULT_VERSION = versioned(checkpoint_version(DEFAULT_CHECKPOINT), LexiconTagger().rules_hash)


@pytest.mark.django_db
def test_ready_reports_database_and_model(client, settings):
    import time

    settings.MLCORE_CHECKPOINT = "default"
    started = time.monotonic()
    response = client.get(reverse("ready"))        # answers at once, loading the model meanwhile
    assert time.monotonic() - started < 2.0
    deadline = time.monotonic() + 60
    while response.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = client.get(reverse("ready"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process",
                               "model_loaded": True, "model_version": DEFAULT_VERSION,
                               "model_runtime": "onnxruntime, no PyTorch (text int8, image fp32)"}


@pytest.mark.django_db
def test_ready_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("connection refused")

    # every connection, the health check's helper thread's included
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)
    response = client.get(reverse("ready"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert client.get(reverse("health")).status_code == 200     # the process itself is alive


def test_health_is_alive_on_the_first_call_of_a_new_process_while_ready_waits_for_the_model(tmp_path):
    """A web process just started: /health answers 200 at once (liveness: never restart a process
    that is loading), /ready 503 until the model is loaded, then 200."""
    import subprocess
    import sys

    from pathlib import Path

    REPO = Path(__file__).resolve().parents[2]
    script = (
        "import json, time, django, os\n"
        "from django.test import Client\n"
        "import config.wsgi\n"                       # the web process's start (loads in the background)
        "c = Client()\n"
        "first = c.get('/health')\n"
        "ready = [c.get('/ready').status_code]\n"
        "deadline = time.monotonic() + 90\n"
        "while ready[-1] != 200 and time.monotonic() < deadline:\n"
        "    time.sleep(0.5); ready.append(c.get('/ready').status_code)\n"
        "print(json.dumps({'health': first.status_code, 'ready': ready}))\n")
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "0",
           "SECRET_KEY": "x" * 50, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "ALLOWED_HOSTS": "testserver",
           "CELERY_BROKER_URL": "", "REDIS_URL": "", "CACHE_URL": "", "LOG_LEVEL": "ERROR"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True, timeout=300)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert result["health"] == 200
    assert result["ready"][-1] == 200
