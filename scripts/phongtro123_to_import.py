"""Turn rows of ../shared/data/listings.jsonl (phongtro123 listings) into import_listings rows.

    python scripts/phongtro123_to_import.py ../shared/data/listings.jsonl --limit 2000 --out /tmp/import.jsonl

Keeps room-like listings (phòng trọ, căn hộ, nhà nguyên căn, ở ghép; not shops) that have a title,
a price, an area and an address; the address's last two parts are the district and the city, as
phongtro123 writes them ("…, Quận 7, Hồ Chí Minh").  The photos are URLs (not downloaded), so
rows have no images.  Nothing here is copied into the repository: the output goes where --out says.
"""
from __future__ import annotations

import argparse
import json
import re
import sys

ROOM_TYPES = {"phong_tro": "phong_tro", "can_ho": "can_ho_mini", "nha_nguyen_can": "nha_nguyen_can",
              "o_ghep": "o_ghep"}


def convert(row: dict) -> dict | None:
    room_type = ROOM_TYPES.get(row.get("category") or "")
    if not (room_type and row.get("title") and row.get("price_text") and row.get("area_text") and row.get("address")):
        return None
    parts = [p.strip() for p in re.sub(r"\s*-\s*Xem bản đồ\s*$", "", row["address"]).split(",") if p.strip()]
    if len(parts) < 2:
        return None
    return {"external_id": row["id"], "title": row["title"], "description": row.get("description") or row["title"],
            "price": row["price_text"], "area_m2": row["area_text"], "city": parts[-1], "district": parts[-2],
            "address": ", ".join(parts[:-2]) or parts[-2], "room_type": room_type, "images": []}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listings")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    written = 0
    with open(args.listings, encoding="utf-8") as src, open(args.out, "w", encoding="utf-8") as out:
        for line in src:
            row = convert(json.loads(line))
            if row is None:
                continue
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += 1
            if written >= args.limit:
                break
    print(f"{args.out}: {written} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
