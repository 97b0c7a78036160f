"""Search latency on PostgreSQL: what the search page does per query, over many rooms.

    python bench/search_latency.py --rooms 10000 --json

Creates the throwaway database ``phongtro_bench_search`` (dropped at the end), fills it with
``--rooms`` listed rooms (texts from ../shared/data/listings.jsonl when present, else built from
the taxonomy; confirmed tags from the lexicon; prices, areas and places spread over 3 cities),
then times renter queries end to end as the page runs them: reading the box, filtering, ranking,
the result count, the first page of cards with photos and tags, and the per-tag counts.
Prints p50/p95/max per query kind and overall, and whether PostgreSQL used the full-text index.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
LISTINGS = REPO.parent / "shared" / "data" / "listings.jsonl"
DB_NAME = "phongtro_bench_search"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"

QUERIES = [
    "điều hòa", "may lanh gan truong", "giờ giấc tự do, không chung chủ", "có gác lửng wc riêng",
    "phong co may giat duoi 4tr", "căn hộ mini full nội thất", "ở ghép gần chợ", "ban cong q10",
    "thang máy bình thạnh", "phòng có bếp ở hà nội", "khoa van tay, camera", "tủ lạnh máy giặt tầm 5tr",
    "cho de xe tren 25m2", "gần chợ cầu giấy", "nong lanh 3-5tr", "không máy lạnh", "wifi gần trường đại học",
    "phòng trọ gò vấp dưới 3 triệu", "nguyễn văn cừ", "sleepbox", "hồ bơi", "",
]
PLACES = [("Hồ Chí Minh", d) for d in ("Quận 1", "Quận 3", "Quận 7", "Quận 10", "Bình Thạnh", "Gò Vấp", "Tân Bình",
                                       "Thủ Đức", "Phú Nhuận")] + \
         [("Hà Nội", d) for d in ("Cầu Giấy", "Đống Đa", "Hai Bà Trưng", "Thanh Xuân", "Hoàng Mai")] + \
         [("Đà Nẵng", d) for d in ("Hải Châu", "Thanh Khê", "Sơn Trà")]


def texts(n: int) -> list[str]:
    if LISTINGS.exists():
        with LISTINGS.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        out = [f"{r.get('title') or ''}\n{r.get('description') or ''}" for r in rows if r.get("description")]
        return out[:n]
    from mlcore.vocab import default_vocabulary

    rng = random.Random(1)
    names = [t.name for t in default_vocabulary()]
    return [f"Phòng cho thuê\nPhòng có {', '.join(rng.sample(names, 6))}" for _ in range(n)]


def setup_database() -> None:
    import psycopg2

    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cur.execute(f"CREATE DATABASE {DB_NAME}")
    admin.close()


def drop_database() -> None:
    import psycopg2
    from django.db import connections

    connections.close_all()
    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
    admin.close()


def fill(n_rooms: int, distinct_texts: int, progress) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from mlcore.lexicon import default_lexicon
    from rooms.models import Room, RoomType, search_document
    from tagging.models import RoomTag, Tag

    rng = random.Random(7)
    owner = get_user_model().objects.create_user("bench-owner")
    lexicon = default_lexicon()
    pool = texts(distinct_texts)
    tags_of = [lexicon.predict_tags(t) for t in progress(pool, desc="tagging texts")]
    tag_ids = dict(Tag.objects.values_list("slug", "pk"))
    now = timezone.now()
    batch = 1000
    for start in progress(range(0, n_rooms, batch), desc="rooms"):
        rooms, picks = [], []
        for i in range(start, min(n_rooms, start + batch)):
            k = rng.randrange(len(pool))
            title, _, description = pool[k].partition("\n")
            city, district = rng.choice(PLACES)
            room = Room(owner=owner, title=(title or "Phòng cho thuê")[:200], description=description or title,
                        price_vnd=rng.randrange(12, 160) * 100_000, area_m2=rng.randrange(10, 80), address="1 Đường A",
                        city=city, district=district, room_type=rng.choice(RoomType.values))
            room.locate()
            room.search_text = search_document(room.title, room.description, room.address, room.ward, room.district,
                                               room.city)
            rooms.append(room)
            picks.append(k)
        with transaction.atomic():
            created = Room.objects.bulk_create(rooms)
            Room.objects.filter(pk__in=[r.pk for r in created]).update(created_at=now)
            RoomTag.objects.bulk_create([
                RoomTag(room=r, tag_id=tag_ids[s], status=RoomTag.Status.CONFIRMED, source=RoomTag.Source.MODEL)
                for r, k in zip(created, picks) for s in tags_of[k] if s in tag_ids])
    for i, pk in enumerate(Room.objects.values_list("pk", flat=True)):   # spread the posting dates
        if i % 97 == 0:
            Room.objects.filter(pk=pk).update(created_at=now - timedelta(days=i % 60))
    from django.db import connection

    with connection.cursor() as cur:   # what autovacuum does to a live table: statistics, visibility map
        cur.execute("VACUUM ANALYZE")


def page_once(text: str) -> float:
    """One search as the page runs it; seconds."""
    from django.http import QueryDict

    from rooms.search import SearchForm, result_page, search_rooms, understand

    t0 = time.perf_counter()
    params = QueryDict(mutable=True)
    params["q"] = text
    form = SearchForm(params)
    data = form.cleaned_data if form.is_valid() else {}
    rq = understand(data, params)
    page, _ = result_page(search_rooms(rq), 1, 12)
    for room in page:
        room.cover_photo  # noqa: B018 - what the card template reads
    return time.perf_counter() - t0


def request_ms(path: str, params: dict, repeats: int, status: int = 200) -> float:
    """The median time of a whole request through Django (middleware, view, template), in ms."""
    from django.test import Client

    client = Client()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == status, response.status_code
    return round(statistics.median(times), 1)


def tag_filter_figures(repeats: int) -> dict:
    """Repeated and many tag filters (issue 20): a slug 300 times, and 2, 10 and all tags at once."""
    from tagging.models import Tag

    slugs = list(Tag.objects.values_list("slug", flat=True))
    out = {"repeated_300_page_ms": request_ms("/", {"dac_diem": ["nu"] * 300}, repeats),
           "repeated_300_api_ms": request_ms("/api/rooms/", {"dac_diem": ["nu"] * 300}, repeats, 400)}
    for n in (2, 10, len(slugs)):
        out[f"{n}_tags_page_ms"] = request_ms("/", {"dac_diem": slugs[:n]}, repeats)
    return out


def uses_index(text: str) -> bool:
    from django.http import QueryDict

    from rooms.search import SearchForm, search_rooms, understand

    params = QueryDict(mutable=True)
    params["q"] = text
    form = SearchForm(params)
    form.is_valid()
    plan = search_rooms(understand(form.cleaned_data, params)).explain()
    return "room_search_vector_gin" in plan


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=10000)
    parser.add_argument("--texts", type=int, default=800, help="distinct listing texts (tagged once each)")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["ALLOWED_HOSTS"] = "testserver"      # whole requests through django.test.Client
    setup_database()
    import django
    from django.core.management import call_command
    from tqdm import tqdm

    django.setup()
    quiet = args.json

    def progress(it, desc):
        return tqdm(it, desc=desc, file=sys.stderr, disable=quiet)

    try:
        call_command("migrate", verbosity=0)
        call_command("load_tags", verbosity=0, stdout=io.StringIO())
        t0 = time.perf_counter()
        fill(args.rooms, args.texts, progress)
        fill_s = time.perf_counter() - t0
        for text in QUERIES:          # warm the caches (lexicon, places, connection)
            page_once(text)
        times: dict[str, list[float]] = {text: [] for text in QUERIES}
        for _ in progress(range(args.repeats), desc="queries"):
            for text in QUERIES:
                times[text].append(page_once(text) * 1000)
        everything = [t for ts in times.values() for t in ts]
        index_used = uses_index("nguyễn văn cừ")
        filters = tag_filter_figures(max(3, args.repeats // 2))
        result = {
            "database": "postgresql", "rooms": args.rooms, "queries": len(QUERIES), "repeats": args.repeats,
            "p50_ms": round(statistics.median(everything), 1), "p95_ms": round(percentile(everything, 0.95), 1),
            "max_ms": round(max(everything), 1), "fill_s": round(fill_s, 1), "text_query_uses_gin_index": index_used,
            "per_query_p95_ms": {text or "(empty)": round(percentile(ts, 0.95), 1) for text, ts in times.items()},
            "tag_filters_median_ms": filters,
        }
    finally:
        if not args.keep:
            drop_database()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{args.rooms} rooms, {len(QUERIES)} queries × {args.repeats}: p50 {result['p50_ms']} ms, "
              f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms; GIN index used for text: {index_used}")
        for text, p95 in result["per_query_p95_ms"].items():
            print(f"  {text:<40} p95 {p95:>7.1f} ms")
        for name, ms in result["tag_filters_median_ms"].items():
            print(f"  {name:<40} median {ms:>7.1f} ms (whole request)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
