"""Hardening, round 2 (issue 20): each test is a reproduction from the second probe."""
import json
import os
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from conftest import photo_bytes
from rooms.importing import import_listings, import_owner
from rooms.models import Room, RoomImage
from rooms.search import RenterQuery, search_rooms
from tagging.decisions import save_landlord_tags
from tagging.models import Tag

needs_postgres = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres") is False,
                                    reason="needs PostgreSQL (DATABASE_URL=postgres://...; CI sets it)")


# -- 1. a repeated filter ----------------------------------------------------------------------------

def test_a_repeated_tag_filter_is_folded_and_bounded(client, room_factory, landlord):
    nu = room_factory(title="Phòng cho nữ", description="Chỉ cho nữ thuê, có máy lạnh")
    room_factory(title="Phòng khác", description="Phòng có máy lạnh")
    save_landlord_tags(nu, landlord, {"nu", "dieu_hoa"})
    slug = "nu"
    limit = Tag.objects.count()
    within = client.get(reverse("search"), {"dac_diem": [slug] * limit})
    assert [r.pk for r in within.context["page"]] == [nu.pk]          # duplicates folded, still AND
    assert within.context["rq"].tags == [slug]
    unknown = client.get(reverse("search"), {"dac_diem": [slug, "khong-co-dau", "zz"]})
    assert [r.pk for r in unknown.context["page"]] == [nu.pk]          # unknown slugs dropped
    too_many = client.get(reverse("search"), {"dac_diem": [slug] * 300, "gia_den": "10tr"})
    assert too_many.status_code == 200
    assert f"Chọn tối đa {limit} đặc điểm (bạn gửi 300)" in too_many.content.decode()
    api = client.get(reverse("api_rooms"), {"dac_diem": [slug] * 300})
    assert api.status_code == 400 and "Chọn tối đa" in json.dumps(api.json(), ensure_ascii=False)
    other = client.get(reverse("search"), {"gia_den": ["10tr"] * 300})
    assert "lặp lại 300 lần" in other.content.decode()                 # every repeated parameter


def test_the_tag_filter_query_does_not_grow_with_the_tags_asked(room_factory):
    room_factory()
    slugs = list(Tag.objects.values_list("slug", flat=True))

    def subqueries(n):
        sql = str(search_rooms(RenterQuery(tags=slugs[:n], excluded_tags=slugs[-n:])).query)
        return sql.count('FROM "tagging_roomtag"')

    assert subqueries(2) == subqueries(20) == 2         # one for the tags asked, one for those excluded


def test_rooms_with_every_tag_asked_and_none_excluded(room_factory, landlord):
    both = room_factory(title="A")
    one = room_factory(title="B")
    three = room_factory(title="C")
    save_landlord_tags(both, landlord, {"wifi", "dieu_hoa"})
    save_landlord_tags(one, landlord, {"wifi"})
    save_landlord_tags(three, landlord, {"wifi", "dieu_hoa", "ban_cong"})
    assert {r.pk for r in search_rooms(RenterQuery(tags=["wifi", "dieu_hoa"]))} == {both.pk, three.pk}
    assert {r.pk for r in search_rooms(RenterQuery(tags=["wifi"], excluded_tags=["ban_cong", "gac_lung"]))} == {
        both.pk, one.pk}


@needs_postgres
@pytest.mark.django_db
def test_web_connections_get_a_statement_timeout_on_postgresql(settings):
    from config.database import limit_statement_time

    settings.WEB_STATEMENT_TIMEOUT_MS = 2500
    limit_statement_time(connection=connection)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] in ("2500ms", "2.5s")
        cursor.execute("SET statement_timeout = 0")


def test_the_wsgi_app_limits_its_statements():
    import config.wsgi  # noqa: F401
    from django.db.backends.signals import connection_created

    from config.database import limit_statement_time

    assert limit_statement_time in connection_created._live_receivers(None)[0]


# -- 4. importing a rented room ----------------------------------------------------------------------

def _row(n, **overrides):
    data = {"external_id": f"ext-{n}", "title": f"Phòng trọ số {n}", "price": "3tr5", "area_m2": 20,
            "city": "TP HCM", "district": "q10", "address": f"{n} Lý Thường Kiệt",
            "description": "Phòng có máy lạnh, wifi", "contact_phone": "0909123456"}
    data.update(overrides)
    return data


def _write(path, rows):
    with path.open("wb") as f:
        for r in rows:
            f.write(r if isinstance(r, bytes) else (json.dumps(r, ensure_ascii=False) + "\n").encode())
    return path


@pytest.mark.parametrize("value", [False, "false", 0, "0", "False"])
def test_an_imported_rented_room_stays_unlisted(tmp_path, vocabulary, committed, value, client):
    path = _write(tmp_path / "tin.jsonl", [_row(1, is_listed=value)])
    with committed():
        report = import_listings(path, import_owner("nhap"))
    assert report.created == 1 and not report.errors
    room = Room.objects.get()
    assert room.is_listed is False
    assert client.get(room.get_absolute_url()).status_code == 404       # nor its phone number
    with committed():
        again = import_listings(path, import_owner("nhap"))
    assert again.unchanged == 1 and again.updated == 0


@pytest.mark.parametrize("value", ["no", "yes", 2, "", [], "sai"])
def test_an_unreadable_boolean_is_the_rows_error(tmp_path, vocabulary, committed, value):
    path = _write(tmp_path / "tin.jsonl", [_row(1, is_listed=value), _row(2)])
    with committed():
        report = import_listings(path, import_owner("nhap"))
    assert report.created == 1 and len(report.errors) == 1
    assert report.errors[0].startswith(f"{path}:1: “is_listed” phải là true/false")


# -- 8. one bad import row -----------------------------------------------------------------------------

def test_every_bad_import_row_is_its_own_error(tmp_path, vocabulary, committed, settings, monkeypatch):
    from rooms import importing

    settings.ROOM_PHOTO_MAX_BYTES = 50_000
    monkeypatch.setattr(importing, "MAX_LINE_BYTES", 200_000)
    (tmp_path / "anh").mkdir()
    (tmp_path / "anh" / "ok.jpg").write_bytes(photo_bytes())
    (tmp_path / "anh" / "to.jpg").write_bytes(b"\xff" * 60_000)
    os.symlink(tmp_path / "anh" / "loop2", tmp_path / "anh" / "loop1")
    os.symlink(tmp_path / "anh" / "loop1", tmp_path / "anh" / "loop2")
    rows = [
        _row(1, images=["anh/ok\x00.jpg"]),                 # a NUL byte in the path
        _row(2, images=["a" * 5000 + ".jpg"]),              # a name too long for the file system
        _row(3, images=["anh/loop1"]),                      # a symlink loop
        ("[" * 100_000 + "]" * 100_000 + "\n").encode(),    # JSON nested 100,000 deep
        b'{"external_id": "x\xff"}\n',                      # an invalid UTF-8 byte
        _row(6, images=["anh/to.jpg"]),                     # a photo over the size limit
        ('{"external_id": "' + "y" * 300_000 + '"}\n').encode(),   # a line over the limit
        _row(8, images=["anh/ok.jpg"]),                     # a good row after all of them
    ]
    path = _write(tmp_path / "tin.jsonl", rows)
    with committed():
        report = import_listings(path, import_owner("nhap"))
    assert report.created == 1 and Room.objects.get().external_id == "ext-8"
    lines = [int(e.split(":")[1]) for e in report.errors]
    assert lines == [1, 2, 3, 4, 5, 6, 7], report.errors
    assert report.errors and all(re.match(rf"{re.escape(str(path))}:\d+: \S", e) for e in report.errors)
    assert "quá lớn" in report.errors[5] and "dòng quá dài" in report.errors[6]


def test_the_import_command_counts_lines_without_decoding_them(tmp_path, vocabulary, committed, capsys):
    path = _write(tmp_path / "tin.jsonl", [b"\xff\xfe not utf-8\n", _row(2)])
    with committed(), pytest.raises(SystemExit) as exit_:
        call_command("import_listings", str(path), "--owner", "nhap", verbosity=0)
    assert exit_.value.code == 1 and Room.objects.count() == 1
    assert f"{path}:1: dòng không phải UTF-8" in capsys.readouterr().err


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_do_not_crash(tmp_path, vocabulary):
    path = _write(tmp_path / "tin.jsonl", [_row(n) for n in range(1, 7)])
    owner = import_owner("nhap")
    reports, failures = [], []

    def run():
        try:
            reports.append(import_listings(path, owner))
        except Exception as exc:   # noqa: BLE001 - the test reports it
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    assert not failures and len(reports) == 2
    assert Room.objects.count() == 6
    assert sum(r.created for r in reports) == 6


# -- 5. two edits of one room at once ----------------------------------------------------------------

def _edit_data(room, **overrides):
    form = room_form_values(room)
    form.update(overrides)
    return form


def room_form_values(room):
    return {"title": room.title, "description": room.description, "price": "3 triệu", "area": "20",
            "address": room.address, "district": room.district, "city": room.city, "is_listed": "on",
            "loaded_version": room.edit_version}


def test_a_stale_edit_is_told_so_and_overwrites_nothing(landlord_client, room_factory, committed):
    room = room_factory()
    tab_a = room_form_values(room)                       # both tabs opened the edit page
    tab_b = room_form_values(room)
    with committed():
        first = landlord_client.post(reverse("room_edit", args=[room.pk]), {**tab_a, "contact_phone": "0909123456"})
    assert first.status_code == 302
    with committed():
        second = landlord_client.post(reverse("room_edit", args=[room.pk]), {**tab_b, "title": "Tiêu đề khác"})
    assert second.status_code == 409
    page = second.content.decode()
    assert "Phòng đã được sửa ở nơi khác" in page and "0909123456" in page   # the newer values shown
    room.refresh_from_db()
    assert room.contact_phone == "0909123456" and room.title != "Tiêu đề khác"


def test_an_edit_racing_a_cover_removal_is_refused_with_a_message(landlord_client, room_factory, committed,
                                                                 make_upload):
    room = room_factory(photos=[])
    with committed():
        landlord_client.post(reverse("room_edit", args=[room.pk]),
                             {**room_form_values(room), "photos": [make_upload(), make_upload(color=(1, 2, 3))]})
    room.refresh_from_db()
    cover = room.cover_photo
    tab_a = room_form_values(room)
    with committed():                                   # tab B removes the cover photo
        landlord_client.post(reverse("room_edit", args=[room.pk]),
                             {**room_form_values(room), "remove_photos": [cover.pk]})
    with committed():                                   # tab A adds a photo
        response = landlord_client.post(reverse("room_edit", args=[room.pk]),
                                        {**tab_a, "photos": [make_upload(color=(9, 9, 9))]})
    assert response.status_code == 409 and "Phòng đã được sửa ở nơi khác" in response.content.decode()
    # a page from before edit versions (no loaded_version): saved, with the cover as it is now
    with committed():
        response = landlord_client.post(reverse("room_edit", args=[room.pk]),
                                        {**tab_a, "loaded_version": "", "photos": [make_upload(color=(9, 9, 9))]})
    assert response.status_code == 302
    assert RoomImage.objects.filter(room=room).count() == 2


def test_the_photo_limit_is_checked_under_the_lock(landlord_client, room_factory, committed, make_upload,
                                                   settings):
    settings.ROOM_MAX_PHOTOS = 10
    room = room_factory()
    for n in range(3):     # three tabs without edit versions, each adding four photos
        with committed():
            response = landlord_client.post(
                reverse("room_edit", args=[room.pk]),
                {**room_form_values(room), "loaded_version": "",
                 "photos": [make_upload(color=(n, i, 0)) for i in range(4)]})
        assert response.status_code == (302 if n < 2 else 400)
    assert RoomImage.objects.filter(room=room).count() == 8
    assert "Mỗi phòng có tối đa 10 ảnh (đang có 8, thêm 4)" in response.content.decode()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_three_simultaneous_photo_edits_leave_at_most_ten_photos(client, django_user_model, settings):
    from django.test import Client

    from tagging.vocabulary import load_vocabulary

    load_vocabulary()
    landlord = django_user_model.objects.create_user("chutro_dua", password="mat-khau-dai-123")
    settings.ROOM_MAX_PHOTOS = 10
    from decimal import Decimal

    from rooms.services import save_room
    room, _ = save_room(Room(owner=landlord, title="Phòng", description="Phòng có máy lạnh", district="Quận 10",
                             city="Hồ Chí Minh", address="1 A"), price_vnd=3_000_000, area_m2=Decimal(20), photos=[])
    room.refresh_from_db()
    statuses = []

    def edit(n, version):
        from django.core.files.uploadedfile import SimpleUploadedFile

        c = Client()
        c.force_login(landlord)
        photos = [SimpleUploadedFile(f"{n}{i}.jpg", photo_bytes(color=(n * 40, i * 40, 9)), "image/jpeg")
                  for i in range(4)]
        try:
            statuses.append(c.post(reverse("room_edit", args=[room.pk]),
                                   {**room_form_values(room), "loaded_version": version, "photos": photos}).status_code)
        finally:
            connection.close()

    for version in (room.edit_version, ""):      # with the form's version, and without it
        threads = [threading.Thread(target=edit, args=(n, version)) for n in range(3)]
        [t.start() for t in threads]
        [t.join(120) for t in threads]
        assert RoomImage.objects.filter(room=room).count() <= 10
    assert 500 not in statuses and len(statuses) == 6


# -- 6. deleting rooms in the admin ------------------------------------------------------------------

def test_deleting_rooms_in_the_admin_deletes_their_files(admin_client, room_factory, make_upload, committed):
    rooms = [room_factory(title=f"Phòng {i}", photos=[]) for i in range(2)]
    for room in rooms:
        from photos.processing import process_photo
        from rooms.services import save_room

        with committed():
            save_room(room, price_vnd=room.price_vnd, area_m2=room.area_m2,
                      photos=[process_photo(make_upload(size=(1200, 900))), process_photo(make_upload())])
    files = [f.path for img in RoomImage.objects.all() for f in (img.image, img.thumbnail) if f]
    assert len(files) >= 4 and all(os.path.exists(f) for f in files)
    with committed():
        response = admin_client.post(reverse("admin:rooms_room_changelist"),
                                     {"action": "delete_selected", "_selected_action": [r.pk for r in rooms],
                                      "post": "yes"})
    assert response.status_code == 302 and not Room.objects.exists()
    assert [f for f in files if os.path.exists(f)] == []


def test_a_deleted_photo_keeps_its_file_if_the_deletion_rolls_back(room_factory, make_upload, committed):
    from django.db import transaction

    from photos.processing import process_photo
    from rooms.services import save_room

    room = room_factory()
    with committed():
        save_room(room, price_vnd=room.price_vnd, area_m2=room.area_m2, photos=[process_photo(make_upload())])
    img = RoomImage.objects.get()
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        img.delete()
        raise RuntimeError("rolled back")
    assert os.path.exists(img.image.path)


# -- 10. edit errors everyone sees ---------------------------------------------------------------------

@pytest.mark.parametrize("field,value,message", [
    ("cover_photo", "99999", "Ảnh bìa: ảnh bạn chọn không còn thuộc phòng này"),
    ("remove_photos", "99999", "Xóa ảnh: ảnh bạn chọn để xóa không còn thuộc phòng này"),
    ("position", "0", "Thứ tự của ảnh 1 phải là một số từ 1 đến 2."),
    ("position", "-1", "Thứ tự của ảnh 1 phải là một số từ 1 đến 2."),
    ("position", "100", "Thứ tự của ảnh 1 phải là một số từ 1 đến 2."),
    ("position", "abc", "Thứ tự của ảnh 1 phải là một số từ 1 đến 2."),
])
def test_a_refused_photo_control_names_its_field(landlord_client, room_factory, committed, make_upload,
                                                 field, value, message):
    room = room_factory()
    with committed():
        landlord_client.post(reverse("room_edit", args=[room.pk]),
                             {**room_form_values(room), "photos": [make_upload(), make_upload(color=(1, 1, 1))]})
    room.refresh_from_db()
    first = room.images.first()
    name = f"photo_position_{first.pk}" if field == "position" else field
    response = landlord_client.post(reverse("room_edit", args=[room.pk]), {**room_form_values(room), name: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "Chưa lưu được" in page


# -- 11. API answers ---------------------------------------------------------------------------------------

def test_api_not_found_answers_say_not_found(client, room_factory):
    room = room_factory()
    Room.objects.filter(pk=room.pk).update(is_listed=False)
    for url in ("/api/rooms/99999999/", f"/api/rooms/{room.pk}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == {"success": False, "error": "Không tìm thấy."}
    places = client.get("/api/places/", {"tinh": "zz"})
    assert places.status_code == 404 and places.json() == {"success": False,
                                                            "error": "Không tìm thấy tỉnh/thành phố."}


def test_an_over_long_url_or_header_gets_the_sites_own_answer(client, db):
    api = client.get("/api/rooms/", {"q": "a" * 5000})
    assert api.status_code == 414 and api.json()["success"] is False and "URL" in api.json()["error"]
    page = client.get("/", {"q": "a" * 5000})
    assert page.status_code == 414 and "quá dài" in page.content.decode()
    header = client.get("/api/rooms/", HTTP_X_JUNK="b" * 9000)
    assert header.status_code == 431 and header.json()["success"] is False


def test_gunicorn_limits_sit_above_the_sites_own():
    import runpy
    from pathlib import Path

    from config.middleware import LimitRequestLine

    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"))
    assert conf["limit_request_line"] > LimitRequestLine.MAX_URL_CHARS
    assert conf["limit_request_field_size"] > LimitRequestLine.MAX_HEADER_CHARS


# -- 12. one invalid filter ----------------------------------------------------------------------------------

def test_an_invalid_filter_is_dropped_alone_with_its_error_beside_it(client, room_factory):
    room_factory(price=3_000_000)
    alone = client.get(reverse("search"), {"gia_den": "1tr"})
    assert alone.context["total"] == 0
    both = client.get(reverse("search"), {"so_nguoi": "0", "gia_den": "1tr"})
    assert both.context["total"] == 0                       # the valid price filter still applies
    page = both.content.decode()
    assert re.search(r'name="so_nguoi"[^>]*>\s*<span class="error field-error">[^<]+</span>', page), page


# -- 13. look-alike usernames -----------------------------------------------------------------------------

def _signup(client, username):
    return client.post(reverse("signup"), {"username": username, "password1": "mot-mat-khau-rat-dai",
                                           "password2": "mot-mat-khau-rat-dai"})


def test_usernames_that_pass_for_another_are_refused(client, django_user_model):
    django_user_model.objects.create_user("landA", password="x-mat-khau-123")
    django_user_model.objects.create_user("cap", password="x-mat-khau-123")
    mixed = _signup(client, "l\u0430ndA")                  # a Cyrillic "а"
    assert mixed.status_code == 400 and "trộn chữ" in mixed.content.decode()
    cyrillic = _signup(client, "\u0441\u0430\u0440")       # "сар", all Cyrillic, looks like "cap"
    assert cyrillic.status_code == 400 and "trông giống hệt" in cyrillic.content.decode()
    vietnamese = _signup(client, "Nguyễn_Văn_Ánh")
    assert vietnamese.status_code == 302
    assert django_user_model.objects.count() == 3


# -- 15. message punctuation ------------------------------------------------------------------------------

def test_the_too_long_description_message_keeps_its_comma(landlord_client, settings):
    settings.TAGGING_MAX_TEXT_CHARS = 12_000
    response = landlord_client.post(reverse("room_create"), {
        "title": "Phòng", "description": "a" * 12_869, "price": "3tr", "area": "20", "address": "1 A",
        "district": "Quận 10", "city": "Hồ Chí Minh"})
    assert "Mô tả quá dài: 12.869 ký tự, tối đa 11.994 (cùng tiêu đề không quá 12.000)." in \
        response.content.decode()
