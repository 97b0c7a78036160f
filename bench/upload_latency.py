"""Upload -> suggestions latency: N landlords post a room with K photos at the same moment.

    python bench/upload_latency.py --stack real --landlords 20 --photos 3 --photo-size 4000x3000 --json
    python bench/upload_latency.py --stack embedded --landlords 4 --photos 1

``real``: the production stack (``bench/stack.py``): gunicorn (config/gunicorn.conf.py, DEBUG=0)
and Celery workers on a throwaway PostgreSQL database and Redis, landlords posting the room form
over HTTP, each from their own logged-in session.  ``embedded``: SQLite and tagging in-process,
the form posted through Django's test client.  Photos are camera-like JPEGs of the given size
(``stack.CameraLikePhotos``), different for every landlord, and every text differs, so no result is
served from the cache.

Prints ``p50_s`` and ``p95_s`` (from the start of the form POST to the room's suggestions stored:
its tagging job's finish time), ``lost`` (jobs not done within ``--timeout``), ``errors`` (form
posts not answered with a redirect), ``post_p95_s`` (the POST alone), and, on the real stack, the
peak resident memory of any one web process and of any one worker process and the CPU seconds the
web and worker processes spent.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from stack import CameraLikePhotos, percentile  # noqa: E402

DESCRIPTIONS = [
    "Phòng mát, có điều hòa, gần trường, wifi miễn phí, không chung chủ, giờ giấc tự do",
    "Căn hộ mini full nội thất, ban công, thang máy, bảo vệ 24/7, khóa vân tay",
    "Phòng có gác lửng, WC riêng, chỗ để xe, gần chợ, giá rẻ cho sinh viên",
    "KTX sleepbox sạch sẽ, máy giặt chung, sân phơi, bao điện nước, ưu tiên nữ",
]
PASSWORD = "bench-password-123"


def room_fields(i: int) -> dict:
    return {"title": f"Phòng đo thời gian số {i}", "room_type": "phong_tro",
            "description": f"{DESCRIPTIONS[i % len(DESCRIPTIONS)]}. Phòng số {i}, tầng {i % 7 + 1}.",
            "price": "3tr5", "area": "20", "address": f"{i} Đường Số {i % 30 + 1}", "district": "Quận 1",
            "city": "TP. Hồ Chí Minh"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", choices=["embedded", "real"], default="embedded")
    parser.add_argument("--landlords", type=int, default=4, help="landlords posting at the same moment")
    parser.add_argument("--photos", type=int, default=1, help="photos per room")
    parser.add_argument("--photo-size", default="1600x1200", help="WxH of each photo")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes (real stack)")
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per Celery worker")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    width, height = (int(v) for v in args.photo_size.lower().split("x"))
    camera = CameraLikePhotos(width, height)
    photos = [[camera.make(i * args.photos + k) for k in range(args.photos)] for i in range(args.landlords)]
    run = run_real if args.stack == "real" else run_embedded
    result = run(args, photos)
    result.update({"stack": args.stack, "landlords": args.landlords, "photos": args.photos,
                   "photo_size": args.photo_size,
                   "photo_mb": round(statistics.mean(len(p) for ps in photos for p in ps) / 1e6, 2)})
    if args.json:
        print(json.dumps(result))
    else:
        print("\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0 if result["lost"] == 0 and result["errors"] == 0 else 1


def _summary(latencies: list[float], posts: list[float], lost: int, errors: int) -> dict:
    return {"p50_s": round(statistics.median(latencies), 2) if latencies else None,
            "p95_s": round(percentile(latencies, 0.95), 2) if latencies else None,
            "max_s": round(max(latencies), 2) if latencies else None,
            "post_p95_s": round(percentile(posts, 0.95), 2) if posts else None,
            "lost": lost, "errors": errors}


def run_real(args, photos) -> dict:
    from stack import Browser, ProductionStack

    with ProductionStack(workers=args.workers, worker_concurrency=args.concurrency) as stack:
        stack.manage("shell", "-c", (
            "from django.contrib.auth import get_user_model\n"
            f"for i in range({args.landlords}):\n"
            f"    get_user_model().objects.create_user(f'chu-tro-{{i}}', password='{PASSWORD}')"))
        browsers = []
        for i in range(args.landlords):
            browser = Browser(stack.url)
            browser.login(f"chu-tro-{i}", PASSWORD)
            browsers.append((browser, browser.csrf("/phong/dang-tin/")))
        barrier = threading.Barrier(args.landlords)
        posted: dict[int, tuple[float, float, int | None]] = {}
        errors = []
        cpu_before = {kind: stack.cpu(kind) for kind in ("web", "worker")}

        def post(i: int) -> None:
            browser, token = browsers[i]
            files = [("photos", f"IMG_{i}_{k}.jpg", content) for k, content in enumerate(photos[i])]
            barrier.wait()
            t0 = time.time()
            status, headers, body = browser.post_form("/phong/dang-tin/", {"csrfmiddlewaretoken": token,
                                                                          **room_fields(i)}, files)
            t1 = time.time()
            location = headers.get("Location", "")
            pk = int(location.strip("/").split("/")[-2]) if status == 302 and "/dac-diem" in location else None
            if pk is None:
                errors.append((i, status, body[:300]))
            posted[i] = (t0, t1, pk)

        with ThreadPoolExecutor(args.landlords) as pool:
            list(pool.map(post, range(args.landlords)))
        rooms = {pk: t0 for t0, _, pk in posted.values() if pk is not None}
        finished = wait_for_jobs(stack, list(rooms), args.timeout)
        latencies = [finished[pk] - rooms[pk] for pk in rooms if pk in finished]
        result = _summary(latencies, [t1 - t0 for t0, t1, _ in posted.values()],
                          lost=len(rooms) - len(finished), errors=len(errors))
        result.update({"web_cpu_s": round(stack.cpu("web") - cpu_before["web"], 1),
                       "worker_cpu_s": round(stack.cpu("worker") - cpu_before["worker"], 1),
                       "web_peak_rss_mb": round(stack.peak["web"]), "worker_peak_rss_mb": round(stack.peak["worker"]),
                       "workers": args.workers, "worker_concurrency": args.concurrency})
        for i, status, body in errors[:3]:
            print(f"landlord {i}: HTTP {status} {body!r}", file=sys.stderr)
        return result


def wait_for_jobs(stack, room_ids: list[int], timeout: float) -> dict[int, float]:
    """{room id: when its tagging job finished (epoch seconds)} for the jobs done within ``timeout``."""
    import psycopg2

    conn = psycopg2.connect(stack.env["DATABASE_URL"])
    conn.autocommit = True
    deadline = time.time() + timeout
    done: dict[int, float] = {}
    try:
        while time.time() < deadline and len(done) < len(room_ids):
            with conn.cursor() as cur:
                cur.execute("SELECT room_id, extract(epoch from finished_at) FROM tagging_taggingjob "
                            "WHERE status = 'done' AND room_id = ANY(%s)", (room_ids,))
                done.update({room: float(at) for room, at in cur.fetchall()})
            time.sleep(0.1)
    finally:
        conn.close()
    return done


def run_embedded(args, photos) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    os.environ.update({"MEDIA_ROOT": str(tmp / "media"), "LOG_LEVEL": "WARNING",
                       "DJANGO_SETTINGS_MODULE": "config.settings.local",
                       "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}"})
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from tagging.models import TaggingJob
    from tagging.vocabulary import load_vocabulary

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    load_vocabulary()
    users = [get_user_model().objects.create_user(f"chu-tro-{i}", password=PASSWORD) for i in range(args.landlords)]
    barrier = threading.Barrier(args.landlords)
    latencies, posts, errors = [], [], []

    def post(i: int) -> None:
        client = Client()
        client.force_login(users[i])
        files = [SimpleUploadedFile(f"IMG_{i}_{k}.jpg", content, content_type="image/jpeg")
                 for k, content in enumerate(photos[i])]
        barrier.wait()
        t0 = time.time()
        response = client.post("/phong/dang-tin/", {**room_fields(i), "photos": files})
        posts.append(time.time() - t0)
        if response.status_code != 302:
            errors.append(i)
        else:      # tagging ran in-process before the answer: its job is done
            job = TaggingJob.objects.filter(room__title=room_fields(i)["title"], status="done").first()
            if job is not None:
                latencies.append(job.finished_at.timestamp() - t0)
        connections.close_all()

    with ThreadPoolExecutor(args.landlords) as pool:
        list(pool.map(post, range(args.landlords)))
    lost = TaggingJob.objects.exclude(status="done").count()
    return _summary(latencies, posts, lost=lost, errors=len(errors))


if __name__ == "__main__":
    sys.exit(main())
