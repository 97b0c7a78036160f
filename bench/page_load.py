"""Requests against the production web tier, and the PostgreSQL connections it holds.

    python bench/page_load.py --requests 2000 --clients 16 [--rooms 200] [--json]

Starts the production stack of ``bench/stack.py`` (gunicorn, DEBUG=0, on a throwaway PostgreSQL
database; no Celery workers: rooms are imported with their suggestions accepted), imports
``--rooms`` listings, then ``--clients`` concurrent clients send ``--requests`` requests spread over
the search page (with and without a query), room pages and ``/health``.  Meanwhile
``pg_stat_activity`` is sampled every 50 ms.  Prints the number of answers by status, the errors
(anything but 200), p50/p95 latency, and the most connections to the benchmark database seen at
once (gunicorn: 2 processes x 4 threads, so at most 8 from the web tier).
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from stack import BENCH_DB, PG_ADMIN, Browser, ProductionStack, percentile  # noqa: E402

QUERIES = ["", "điều hòa", "phong co may lanh gan truong", "gác lửng dưới 3 triệu", "ban công quận 10",
           "không chung chủ", "wc riêng 20m2", "ở ghép gần chợ"]


def import_rooms(stack: ProductionStack, n: int) -> list[int]:
    lines = []
    descriptions = ["Phòng có máy lạnh, wifi, gần trường đại học", "Căn hộ mini ban công, thang máy, bảo vệ",
                    "Phòng gác lửng, WC riêng, chỗ để xe, gần chợ", "Ở ghép ký túc xá, máy giặt chung, giá rẻ"]
    for i in range(n):
        lines.append(json.dumps({"external_id": f"bench-{i}", "title": f"Phòng số {i}",
                                 "description": descriptions[i % 4], "price": f"{2 + i % 5}tr",
                                 "area_m2": str(15 + i % 20), "address": f"{i} Đường Số {i % 30}",
                                 "district": f"Quận {1 + i % 12}", "city": "TP. Hồ Chí Minh"}, ensure_ascii=False))
    path = stack.tmp / "rooms.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stack.manage("shell", "-c", "from django.contrib.auth import get_user_model; "
                                "get_user_model().objects.create_user('dai-ly', password='bench-password-123')")
    stack.manage("import_listings", str(path), "--owner", "dai-ly", "--accept-suggestions")
    out = stack.manage("shell", "-c", "from rooms.models import Room; print(list(Room.objects.values_list('pk', flat=True)))")
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16, help="requests in flight at once")
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import psycopg2

    with ProductionStack(workers=0) as stack:
        rooms = import_rooms(stack, args.rooms)
        rng = random.Random(0)
        paths = []
        for i in range(args.requests):
            kind = i % 4
            if kind == 0:
                paths.append("/?" + urllib.parse.urlencode({"q": rng.choice(QUERIES)}))
            elif kind == 1:
                paths.append("/")
            elif kind == 2:
                paths.append(f"/phong/{rng.choice(rooms)}/")
            else:
                paths.append("/health")
        statuses: collections.Counter = collections.Counter()
        latencies: list[float] = []
        peak = {"connections": 0}
        sampling = True

        def sample() -> None:
            conn = psycopg2.connect(PG_ADMIN)
            conn.autocommit = True
            with conn.cursor() as cur:
                while sampling:
                    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (BENCH_DB,))
                    peak["connections"] = max(peak["connections"], cur.fetchone()[0])
                    time.sleep(0.05)
            conn.close()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        local = threading.local()

        def get(path: str) -> None:
            browser = getattr(local, "browser", None) or Browser(stack.url)
            local.browser = browser
            t0 = time.perf_counter()
            try:
                status, _, _ = browser.request(path, timeout=30)
            except OSError as exc:
                status = type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            statuses[status] += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(get, paths))
        wall = time.perf_counter() - started
        sampling = False
        sampler.join(timeout=5)
        result = {"requests": args.requests, "clients": args.clients, "rooms": len(rooms),
                  "statuses": {str(k): v for k, v in statuses.items()},
                  "errors": sum(v for k, v in statuses.items() if k != 200),
                  "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                  "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
                  "requests_per_s": round(args.requests / wall, 1),
                  "max_db_connections": peak["connections"], "web_peak_rss_mb": round(stack.peak["web"])}
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
