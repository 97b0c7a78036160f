"""The real stack for end-to-end tests: PostgreSQL, Redis, and a live Celery worker process."""
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/15")


from conftest import ARTIFACTS_DIR  # noqa: E402

ARTIFACTS = ARTIFACTS_DIR / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def browser_page(live_server):
    from playwright import sync_api

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 414, "height": 900}, locale="vi-VN")  # a phone
        page.set_default_timeout(20_000)
        refused = []   # the pages must work under the site's Content-Security-Policy
        page.on("console", lambda msg: "Content Security Policy" in msg.text and refused.append(msg.text))
        yield page
        browser.close()
        assert not refused, f"blocked by the Content-Security-Policy: {refused}"


LANDLORD_PASSWORD = "mat-khau-dai-123"              # the ``landlord`` fixture's (conftest.py)
ADMIN = ("quantri", "mat-khau-quan-tri-dai")


def log_in(page, base_url: str, username: str = "chutro", password: str = LANDLORD_PASSWORD) -> None:
    """Sign in on the site's own page (the ``landlord`` fixture's account unless told)."""
    page.goto(f"{base_url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def log_in_admin(page, base_url: str, django_user_model) -> None:
    """A superuser, signed in on the admin's login page."""
    django_user_model.objects.create_superuser(ADMIN[0], password=ADMIN[1])
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", ADMIN[0])
    page.fill("#id_password", ADMIN[1])
    page.click("input[type=submit]")


def fill_room_form(page, photo, city="Hồ Chí Minh", **fields):
    """The landlord's "post a room" form: the city from its list, text fields by name, one photo."""
    page.select_option("#id_city", city)
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.set_input_files("#id_photos", str(photo))


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def real_stack(transactional_db, settings, tmp_path):
    """Settings and Celery pointed at Redis; yields a function that starts/stops the worker."""
    from django.db import connection

    from config.celery import app

    if connection.vendor != "postgresql":
        pytest.skip("end-to-end stack test needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
    if not redis_available():
        pytest.skip(f"end-to-end stack test needs Redis at {REDIS_URL}")

    queue = f"e2e-{uuid.uuid4().hex[:8]}"
    old = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    _forget_connections(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = REDIS_URL
    db = settings.DATABASES["default"]
    env = {**os.environ,
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}",
           "CELERY_BROKER_URL": REDIS_URL, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "CELERY_TASK_DEFAULT_QUEUE": queue,
           "DJANGO_SETTINGS_MODULE": "config.settings.local", "LOG_LEVEL": "WARNING"}
    workers = []

    class Stack:
        def start_worker(self, extra_env: dict | None = None, name: str | None = None):
            """A Celery worker; ``extra_env``: its own variables (another machine's MEDIA_ROOT, the
            object store); ``name``: its log is ``<name>.log``."""
            log = open(tmp_path / f"{name or f'worker{len(workers)}'}.log", "w")
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", queue,
                 "-n", f"{name or f'worker{len(workers)}'}@%h",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
                cwd=REPO, env={**env, **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT)
            workers.append((proc, log))
            return proc

        def log_of(self, name: str) -> str:
            return (tmp_path / f"{name}.log").read_text()

        def start_beat(self):
            """Celery beat with the production schedule (the requeue every 30 s)."""
            log = open(tmp_path / "beat.log", "w")
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO",
                 "--schedule", str(tmp_path / "beat-schedule")],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
            workers.append((proc, log))
            return proc

        def kill_worker(self, proc):
            proc.kill()
            proc.wait(timeout=30)

        def worker_log(self):
            return "\n".join(p.read_text() for p in sorted(tmp_path.glob("*.log")))

    yield Stack()
    for proc, log in workers:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
    app.conf.update(old)
    _forget_connections(app)
    import redis

    redis.Redis.from_url(REDIS_URL).delete(queue)


def _forget_connections(app):
    """Celery caches its queues and producer pool from the configuration they were first built
    with; drop them so that the next message goes to the broker and queue configured now."""
    from kombu import pools

    app.__dict__.pop("amqp", None)
    app._pool = None
    pools.reset()


def wait_for(predicate, timeout=90.0, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class HungBroker:
    """A TCP server that accepts connections and never answers: a broker that hangs."""

    def __init__(self):
        import socket
        import threading

        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(50)
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        for conn in self.connections:
            conn.close()
        self.server.close()


@pytest.fixture
def hung_broker():
    broker = HungBroker()
    yield broker
    broker.close()


def point_celery_at(url: str) -> None:
    from config.celery import app

    app.conf.update(broker_url=url)
    _forget_connections(app)
