"""The production stack for benchmarks: gunicorn + Celery workers on PostgreSQL + Redis, on a
throwaway database, driven over real HTTP.

``ProductionStack`` creates the database ``phongtro_bench`` (dropped afterwards), migrates it,
collects static files, starts ``gunicorn -c config/gunicorn.conf.py`` with ``DEBUG=0`` and (when
asked) Celery workers, waits for ``/health``, and samples every process's resident memory.
``Browser`` is one person's session: cookies, CSRF tokens, form posts (multipart included), with
the standard library only.
"""
from __future__ import annotations

import http.cookiejar
import io
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "phongtro_bench"
REDIS_DB = "redis://127.0.0.1:6379/14"


class CameraLikePhotos:
    """JPEGs with a phone photo's structure and size: smooth regions, hard edges, mid-frequency
    texture and sensor noise (a flat colour compresses to nothing and decodes unrealistically
    fast).  Each ``make(i)`` differs in content, so the result cache never serves one from another."""

    def __init__(self, width: int, height: int, quality: int = 95, seed: int = 0):
        import numpy as np
        from PIL import Image, ImageFilter

        rng = np.random.default_rng(seed)
        self.width, self.height, self.quality = width, height, quality
        base = Image.fromarray(rng.integers(40, 220, (12, 16, 3), dtype=np.uint8)).resize(
            (width, height), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(2))
        texture = Image.fromarray(rng.integers(0, 255, (height // 8, width // 8), dtype=np.uint8)).resize(
            (width, height), Image.Resampling.BILINEAR)
        pixels = np.asarray(base, dtype=np.int16) + (np.asarray(texture, dtype=np.int16)[..., None] - 128) // 6
        pixels += rng.integers(-8, 9, pixels.shape, dtype=np.int16)
        self.base = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))

    def make(self, i: int) -> bytes:
        import numpy as np
        from PIL import ImageDraw

        rng = np.random.default_rng(1000 + i)
        image = self.base.copy()
        draw = ImageDraw.Draw(image)
        w, h = self.width, self.height
        for _ in range(25):                    # furniture-like shapes: hard edges, different per photo
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            draw.rectangle((x0, y0, x0 + int(rng.integers(w // 20, w // 4)), y0 + int(rng.integers(h // 20, h // 4))),
                           fill=tuple(int(c) for c in rng.integers(0, 255, 3)), outline=(20, 20, 20), width=6)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=self.quality)
        return out.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _admin_sql(*statements: str) -> None:
    """Run statements (CREATE/DROP DATABASE) on the server's maintenance database."""
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


class ProductionStack:
    def __init__(self, workers: int = 1, worker_concurrency: int = 2, web_env: dict | None = None):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-stack-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers, self.worker_concurrency = workers, worker_concurrency
        self.env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(40),
                    "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
                    "CELERY_BROKER_URL": REDIS_DB, "CACHE_URL": REDIS_DB, "MEDIA_ROOT": str(self.tmp / "media"),
                    "STATIC_ROOT": str(self.tmp / "static"), "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_ACCESS_LOG": "", "LOG_LEVEL": "WARNING", "SIGNUP_RATE": "10000/h",
                    "EXTRACT_FEATURES_RATE": "100000/min", "DJANGO_SETTINGS_MODULE": "config.settings.local",
                    "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
                    # one metrics folder for the web and worker processes (docs/deployment.md)
                    "PROMETHEUS_MULTIPROC_DIR": str(self.tmp / "metrics"),
                    **(web_env or {})}
        (self.tmp / "metrics").mkdir()
        self.procs: dict[str, list[subprocess.Popen]] = {"web": [], "worker": []}
        self.peak = {"web": 0.0, "worker": 0.0}
        self._sampling = False

    # -- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> "ProductionStack":
        import redis

        _admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)", f"CREATE DATABASE {BENCH_DB}")
        redis.Redis.from_url(REDIS_DB).flushdb()
        self.manage("migrate", "--verbosity", "0")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.manage("shell", "-c", "from tagging.vocabulary import load_vocabulary; load_vocabulary()")
        self.procs["web"].append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"], cwd=REPO, env=self.env,
            stdout=subprocess.DEVNULL, stderr=open(self.tmp / "web.log", "w")))
        for i in range(self.workers):
            self.procs["worker"].append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(self.worker_concurrency),
                 "-n", f"bench{i}@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
                cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.tmp / f"worker{i}.log", "w")))
        self._wait_healthy()
        self._sampling = True
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._sampling = False
        for proc in self.procs["web"] + self.procs["worker"]:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs["web"] + self.procs["worker"]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        _admin_sql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")

    def manage(self, *args: str) -> str:
        proc = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True,
                              text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
        return proc.stdout

    def _wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.procs["web"] + self.procs["worker"]:
                if proc.poll() is not None:
                    raise RuntimeError(f"a stack process exited ({proc.args}); logs in {self.tmp}")
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=5) as response:
                    if response.status == 200:
                        time.sleep(3 if self.workers else 0)      # the workers' model warm-up
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the stack did not become healthy in {timeout:.0f} s; logs in {self.tmp}")

    # -- memory ---------------------------------------------------------------------------------
    def process_ids(self, kind: str) -> list[int]:
        """The processes that serve: gunicorn's workers (not its master), Celery's pool processes
        and their parent."""
        pids = []
        for proc in self.procs[kind]:
            kids = children(proc.pid)
            pids += kids if kind == "web" else [proc.pid, *kids]
        return pids

    def cpu(self, kind: str) -> float:
        """CPU seconds used so far by the serving processes of ``kind`` ("web" or "worker")."""
        return sum(cpu_seconds(pid) for pid in self.process_ids(kind))

    def _sample(self) -> None:
        while self._sampling:
            for kind in ("web", "worker"):
                for pid in self.process_ids(kind):
                    self.peak[kind] = max(self.peak[kind], rss_mb(pid))
            time.sleep(0.2)


class Browser:
    """One person's HTTP session against the stack (cookies, CSRF, forms)."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None,
                timeout: float = 60) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path,
                                                                           **(headers or {})})
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def csrf(self, path: str) -> str:
        status, _, body = self.request(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        return m.group(1).decode() if m else ""

    def login(self, username: str, password: str) -> None:
        token = self.csrf("/dang-nhap/")
        status, headers, _ = self.post_form("/dang-nhap/", {"csrfmiddlewaretoken": token, "username": username,
                                                            "password": password})
        if status != 302:
            raise RuntimeError(f"login of {username}: {status}")

    def post_form(self, path: str, fields: dict, files: list[tuple[str, str, bytes]] = ()) -> tuple[int, dict, bytes]:
        boundary = uuid.uuid4().hex
        body = io.BytesIO()
        for name, value in fields.items():
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content in files:
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                       f"Content-Type: image/jpeg\r\n\r\n".encode())
            body.write(content)
            body.write(b"\r\n")
        body.write(f"--{boundary}--\r\n".encode())
        return self.request(path, body.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None                      # a 302 is an answer to look at, not to follow


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

