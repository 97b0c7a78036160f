"""Upload -> suggestions latency: landlords post rooms with a photo through the web form.

    python bench/upload_latency.py --stack embedded           # SQLite, tasks in-process
    python bench/upload_latency.py --stack real --workers 2   # PostgreSQL + Redis + Celery workers

Each run uses a throwaway database (a temporary SQLite file, or the PostgreSQL database
``phongtro_bench`` which it creates and drops) and temporary media.  Prints p50/p95 of the time
from the form POST to suggestions stored, and how many jobs did not finish (lost).
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1024, 768), (190, 170, 140)).save(out, "JPEG", quality=85)
    return out.getvalue()


DESCRIPTIONS = [
    "Phòng mát, có điều hòa, gần trường, wifi miễn phí, không chung chủ, giờ giấc tự do",
    "Căn hộ mini full nội thất, ban công, thang máy, bảo vệ 24/7, khóa vân tay",
    "Phòng có gác lửng, WC riêng, chỗ để xe, gần chợ, giá rẻ cho sinh viên",
    "KTX sleepbox sạch sẽ, máy giặt chung, sân phơi, bao điện nước, ưu tiên nữ",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", choices=["embedded", "real"], default="embedded")
    parser.add_argument("--rooms", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4, help="landlords posting at the same time")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (real stack)")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    pg_admin = "postgres://postgres@127.0.0.1:5432/postgres"
    if args.stack == "embedded":
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        os.environ.pop("CELERY_BROKER_URL", None)
        os.environ.pop("REDIS_URL", None)
    else:
        import psycopg2

        conn = psycopg2.connect(pg_admin)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS phongtro_bench")
            cur.execute("CREATE DATABASE phongtro_bench")
        conn.close()
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/phongtro_bench"
        os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/14"

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from tagging.models import TaggingJob
    from tagging.services import load_vocabulary

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    load_vocabulary()
    user = get_user_model().objects.create_user("bench", password="bench-password-123")

    workers = []
    if args.stack == "real":
        import redis

        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(args.workers),
             "--without-gossip", "--without-mingle", "-l", "WARNING"], cwd=REPO, env=os.environ.copy()))
        time.sleep(6)  # let the workers connect before timing

    jpeg = photo()
    durations: list[float] = []
    lock = threading.Lock()

    def post(i: int) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = Client()
        client.force_login(user)
        title = f"Phòng đo thời gian {i}"
        t0 = time.perf_counter()
        response = client.post("/phong/dang-tin/", {
            "title": title, "description": DESCRIPTIONS[i % len(DESCRIPTIONS)], "price": "3tr5", "area": "20",
            "address": "1 Đường A", "district": "Quận 1", "city": "TP. Hồ Chí Minh",
            "photos": [SimpleUploadedFile("p.jpg", jpeg, content_type="image/jpeg")]})
        assert response.status_code == 302, response.status_code
        deadline = t0 + args.timeout
        while time.perf_counter() < deadline:
            if TaggingJob.objects.filter(room__title=title, status="done").exists():
                with lock:
                    durations.append(time.perf_counter() - t0)
                break
            time.sleep(0.02)
        connections.close_all()

    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(post, range(args.rooms)))
    wall = time.perf_counter() - started

    lost = TaggingJob.objects.exclude(status="done").count()
    for w in workers:
        w.terminate()
        w.wait(timeout=30)
    ms = sorted(d * 1000 for d in durations)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))] if ms else float("nan")
    print(f"stack={args.stack} rooms={args.rooms} concurrency={args.concurrency}"
          + (f" workers={args.workers}" if args.stack == "real" else "")
          + f" db={connections['default'].vendor}")
    print(f"upload -> suggestions: p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"
          if ms else "no job finished")
    print(f"jobs not done (lost): {lost} of {args.rooms}; wall {wall:.1f} s")
    connections.close_all()
    if args.stack == "real":
        import psycopg2

        conn = psycopg2.connect(pg_admin)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS phongtro_bench")
        conn.close()
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
