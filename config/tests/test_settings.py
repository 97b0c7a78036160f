"""Settings fail closed (issue 21): typed, strict environment variables from one list, production
entry points that refuse to start without what they need, docs generated from the list."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.variables import BY_NAME

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = {"SECRET_KEY": "k" * 50, "DATABASE_URL": "sqlite:////tmp/phongtro-settings-test.sqlite3",
              "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14", "CACHE_URL": "redis://127.0.0.1:6379/13",
              "METRICS_TOKEN": "t" * 20}
NOT_THE_SITES = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}   # Django's own


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in BY_NAME and k != "DJANGO_SETTINGS_MODULE"}
    env.update(extra)
    return env


def run(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=clean_env(**env), capture_output=True,
                          text=True, timeout=120)


def test_docs_settings_is_generated_from_the_list():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from settings_doc import render
    finally:
        sys.path.pop(0)
    assert (REPO / "docs" / "settings.md").read_text(encoding="utf-8") == render(), \
        "docs/settings.md is stale: run python scripts/settings_doc.py"


def test_every_variable_the_code_reads_is_in_the_list():
    pattern = re.compile(r"""(?:environ\.get|environ\[|getenv|\bread|\brequire|is_set)\(?\s*\[?["']([A-Z][A-Z0-9_]+)["']""")
    read = {}
    for folder in ("config", "rooms", "tagging", "photos", "guard", "mlcore"):
        for path in (REPO / folder).rglob("*.py"):
            if "tests" in path.parts:
                continue
            for name in pattern.findall(path.read_text(encoding="utf-8")):
                read.setdefault(name, str(path.relative_to(REPO)))
    read.update({n: "config/settings/production.py" for n in ("SECRET_KEY", "DATABASE_URL", "METRICS_TOKEN")})
    missing = {n: where for n, where in read.items() if n not in BY_NAME and n not in NOT_THE_SITES}
    assert not missing, f"read but not in config/settings/variables.py (nor docs/settings.md): {missing}"
    assert {"HTTPS", "MLCORE_RUNTIME", "WORKER_METRICS_PORT", "GUNICORN_WORKERS"} <= set(read)


@pytest.mark.parametrize("name,value", [("HTTPS", "ture"), ("DEBUG", "yes please"), ("ROOM_MAX_PHOTOS", "ten"),
                                        ("SIGNUP_RATE", "5 per hour"), ("DATABASE_URL", "db.sqlite3")])
def test_a_malformed_value_stops_start_up_naming_the_variable(name, value):
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO, env=clean_env(**{name: value}),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert f"{name}={value!r} is not a valid" in out.stderr


def test_production_entry_points_refuse_to_start_without_their_settings():
    for code in ("import config.wsgi", "from config.celery import app; app.conf.broker_url"):
        out = run(code)
        assert out.returncode != 0, code
        assert "production settings need: set SECRET_KEY, DATABASE_URL, METRICS_TOKEN, CACHE_URL" in out.stderr, code
    no_broker = run("import config.wsgi", **{k: v for k, v in PRODUCTION.items() if k != "CELERY_BROKER_URL"})
    assert no_broker.returncode != 0 and "need a task broker: set CELERY_BROKER_URL" in no_broker.stderr
    shared = run("import config.wsgi", **{**PRODUCTION, "CACHE_URL": PRODUCTION["CELERY_BROKER_URL"]})
    assert shared.returncode != 0 and "CACHE_URL is the broker's URL" in shared.stderr
    debug = run("import config.wsgi", **PRODUCTION, DEBUG="1")
    assert debug.returncode != 0 and "DEBUG=1 with the production settings" in debug.stderr


def test_production_settings_with_what_they_need():
    out = run("import config.wsgi; from django.conf import settings as s; "
              "print(s.DEBUG, s.SERVE_MEDIA, s.STATIC_MANIFEST, s.DATABASES['default']['CONN_MAX_AGE'], "
              "s.CACHES['default']['LOCATION'])", **PRODUCTION, GUNICORN_WORKERS="1")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-5:] == ["False", "False", "True", "60", PRODUCTION["CACHE_URL"]]


def test_manage_py_runs_the_local_settings_unchanged():
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                          "from django.conf import settings as s; print(s.DEBUG, s.SERVE_MEDIA, "
                          "s.CELERY_TASK_ALWAYS_EAGER, s.DATABASES['default']['ENGINE'])"],
                         cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-4:] == ["True", "True", "True", "django.db.backends.sqlite3"]
