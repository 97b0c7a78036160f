"""Rate limits that hold: two web processes share one count in Redis, and a client that rotates
a made-up X-Forwarded-For does not get a fresh allowance."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from e2e.conftest import REDIS_URL, redis_available

from bench.stack import free_port  # noqa: E402  (one free_port for tests and benches)

REPO = Path(__file__).resolve().parents[1]


def post(port: int, forwarded_for: str) -> int:
    data = urllib.parse.urlencode({"description": "Phòng có máy lạnh, gần trường"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/extract-features", data=data,
                                     headers={"X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        assert exc.headers["Content-Type"].startswith("application/json")
        assert "quá nhiều" in json.loads(exc.read())["error"]
        return exc.code


@pytest.mark.skipif(not redis_available(), reason=f"needs Redis at {REDIS_URL} (the shared cache)")
def test_rotating_x_forwarded_for_across_two_web_processes_does_not_reset_the_limit(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CACHE_URL": REDIS_URL,
           "EXTRACT_FEATURES_RATE": "4/min", "MLCORE_CHECKPOINT": "lexicon", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "config.settings.local", "TRUSTED_PROXIES": "0"}
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True, timeout=300)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    ports = [free_port(), free_port()]
    servers = [subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks",
                                 f"127.0.0.1:{port}"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.3)
        codes = [post(ports[i % 2], f"203.0.113.{i}, {uuid.uuid4().hex[:8]}") for i in range(10)]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        redis.Redis.from_url(REDIS_URL).flushdb()
    assert codes == [200] * 4 + [429] * 6, codes
