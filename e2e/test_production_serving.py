"""The production recipe as docs/deployment.md writes it: gunicorn with DEBUG=0 serves the pages and, through
whitenoise, their static files (hashed, compressed); logins work over plain HTTP without HTTPS=1."""
import os
import re
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from bench.stack import free_port  # noqa: E402  (one free_port for tests and benches)

REPO = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.mark.slow
@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_gunicorn_serves_pages_static_files_and_logins(tmp_path):
    port = free_port()
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "STATIC_ROOT": str(tmp_path / "static"),
           "MEDIA_ROOT": str(tmp_path / "media"), "MLCORE_CHECKPOINT": "lexicon", "LOG_LEVEL": "WARNING",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "", "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    for name in ("CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "HTTPS", "CACHE_URL"):
        env.pop(name, None)
    for command in (["migrate", "-v0"], ["load_tags"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True, timeout=300,
                       capture_output=True)
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    "from django.contrib.auth import get_user_model as g; "
                    "g().objects.create_user('chutro_gu', password='mot-mat-khau-rat-dai')"],
                   cwd=REPO, env=env, check=True, timeout=120, capture_output=True)
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen([str(GUNICORN), "-c", "config/gunicorn.conf.py", "config.wsgi"], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except Exception:
                time.sleep(0.3)
        home = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home)
        assert css, "the page should link the hashed stylesheet"
        static = urllib.request.urlopen(urllib.request.Request(base + css.group(1),
                                                               headers={"Accept-Encoding": "gzip"}), timeout=10)
        assert static.status == 200 and "max-age=315360000" in static.headers["Cache-Control"]
        assert static.headers.get("Content-Encoding") == "gzip"
        script = re.search(r'src="(/static/js/search-sheet\.[0-9a-f]{12}\.js)"', home)
        assert script and urllib.request.urlopen(base + script.group(1), timeout=10).status == 200

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(base + "/dang-nhap/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "chutro_gu",
                                       "password": "mot-mat-khau-rat-dai"}).encode()
        response = opener.open(urllib.request.Request(base + "/dang-nhap/", data=data,
                                                      headers={"Referer": base + "/dang-nhap/"}), timeout=10)
        assert response.url.endswith("/phong-cua-toi/")                      # logged in over plain HTTP
    except Exception:
        print((tmp_path / "gunicorn.log").read_text()[-3000:])
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
