"""manage.py import_listings: the landlord's path for each row, idempotent, bad rows by line."""
import json

import pytest
from django.core.management import call_command

from conftest import photo_bytes
from rooms.models import Room, RoomImage
from tagging.models import RoomTag, TaggingJob


def row(n, **overrides):
    data = {"external_id": f"ext-{n}", "title": f"Phòng trọ số {n}", "price": "3tr5", "area_m2": 20,
            "city": "TP HCM", "district": "q10", "address": f"{n} Lý Thường Kiệt",
            "description": "Phòng có máy lạnh, wifi, gác lửng, giờ giấc tự do", "images": []}
    data.update(overrides)
    return data


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def run(path, *args, committed):
    with committed():
        call_command("import_listings", str(path), *args, verbosity=0)


@pytest.fixture
def listing_file(tmp_path):
    (tmp_path / "anh").mkdir()
    (tmp_path / "anh" / "a.jpg").write_bytes(photo_bytes(color=(10, 200, 30)))
    (tmp_path / "anh" / "b.png").write_bytes(photo_bytes("PNG", color=(200, 10, 30)))
    return write(tmp_path / "tin.jsonl", [row(1, images=["anh/a.jpg", "anh/b.png"]), row(2, price=2_800_000),
                                           row(3, room_type="o_ghep", max_occupants=4, deposit="2 triệu")])


def test_import_creates_rooms_tags_them_and_accepts_the_suggestions(listing_file, vocabulary, committed, client):
    run(listing_file, "--owner", "dai-ly", "--accept-suggestions", committed=committed)
    rooms = Room.objects.order_by("external_id")
    assert [r.external_id for r in rooms] == ["ext-1", "ext-2", "ext-3"]
    first = rooms[0]
    assert (first.owner.username, first.price_vnd, first.district, first.province_code) == ("dai-ly", 3_500_000,
                                                                                            "Quận 10", "79")
    assert not first.owner.has_usable_password()
    assert first.images.count() == 2 and rooms[1].price_vnd == 2_800_000
    assert (rooms[2].room_type, rooms[2].max_occupants, rooms[2].deposit_vnd) == ("o_ghep", 4, 2_000_000)
    assert TaggingJob.objects.filter(status="done").count() == 3
    confirmed = set(RoomTag.objects.filter(room=first, status="confirmed").values_list("tag__slug", flat=True))
    assert {"dieu_hoa", "wifi", "gac_lung", "gio_tu_do"} <= confirmed
    assert client.get("/api/rooms/", {"q": "gác lửng"}).json()["results"][0]["external_id"] in {"ext-1", "ext-2",
                                                                                                "ext-3"}


def test_a_rerun_changes_nothing_and_a_changed_row_updates_like_an_edit(listing_file, vocabulary, committed,
                                                                        settings):
    run(listing_file, "--owner", "dai-ly", committed=committed)
    snapshot = list(Room.objects.order_by("pk").values())
    files = sorted(RoomImage.objects.values_list("image", flat=True))
    jobs = TaggingJob.objects.count()
    run(listing_file, "--owner", "dai-ly", committed=committed)
    assert list(Room.objects.order_by("pk").values()) == snapshot
    assert sorted(RoomImage.objects.values_list("image", flat=True)) == files
    assert TaggingJob.objects.count() == jobs

    rows = [json.loads(line) for line in listing_file.read_text(encoding="utf-8").splitlines()]
    rows[0]["description"] = "Phòng có máy lạnh, ban công"
    rows[0]["images"] = ["anh/a.jpg"]                       # b.png removed by the source
    rows[1]["price"] = "3 triệu"
    write(listing_file, rows)
    run(listing_file, "--owner", "dai-ly", committed=committed)
    first, second = Room.objects.get(external_id="ext-1"), Room.objects.get(external_id="ext-2")
    assert first.description == "Phòng có máy lạnh, ban công" and first.images.count() == 1
    assert second.price_vnd == 3_000_000
    assert TaggingJob.objects.filter(room=first).count() == 2        # re-tagged: text and photos changed
    assert TaggingJob.objects.filter(room=second).count() == 1       # a price change needs no re-tagging
    assert Room.objects.count() == 3


def test_bad_rows_are_reported_by_line_and_store_nothing(tmp_path, vocabulary, committed, capsys):
    (tmp_path / "ok.jpg").write_bytes(photo_bytes())
    (tmp_path / "hong.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    path = write(tmp_path / "tin.jsonl", [
        row(1, images=["ok.jpg"]),
        "{not json",
        row(3, price="rẻ lắm"),
        {k: v for k, v in row(4).items() if k != "external_id"},
        row(5, images=["khong-co.jpg"]),
        row(6, images=["../../etc/passwd"]),
        row(7, images=["ok.jpg", "hong.jpg"]),
        row(8, area_m2="NaN"),
        "[1, 2]",
        row(10),
    ])
    with pytest.raises(SystemExit) as exit_info:
        run(path, "--owner", "dai-ly", committed=committed)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    for line in (2, 3, 4, 5, 6, 7, 8, 9):
        assert f"{path}:{line}: " in err, line
    assert "Không hiểu giá" in err and "thiếu “external_id”" in err and "không tìm thấy ảnh" in err
    assert sorted(Room.objects.values_list("external_id", flat=True)) == ["ext-1", "ext-10"]
    assert RoomImage.objects.count() == 1


def test_no_photo_file_is_left_by_a_failed_row(tmp_path, vocabulary, committed, settings):
    from pathlib import Path

    (tmp_path / "ok.jpg").write_bytes(photo_bytes())
    (tmp_path / "hong.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    path = write(tmp_path / "tin.jsonl", [row(1, images=["ok.jpg", "hong.jpg"])])
    with pytest.raises(SystemExit):
        run(path, "--owner", "dai-ly", committed=committed)
    media = Path(settings.MEDIA_ROOT)
    assert not Room.objects.exists() and not (media.exists() and any(p.is_file() for p in media.rglob("*")))
