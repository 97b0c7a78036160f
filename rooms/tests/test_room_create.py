import re
from pathlib import Path

import pytest
from django.urls import reverse

from rooms.models import Room, RoomImage
from tagging.models import TaggingJob, TagSuggestion


def form_data(**overrides):
    data = {"title": "Phòng trọ gần ĐH Bách Khoa", "description": "Phòng mát, có máy lạnh, gần trường",
            "price": "3tr5", "area": "20,5", "address": "12 Lý Thường Kiệt", "district": "Quận 10",
            "city": "TP. Hồ Chí Minh"}
    data.update(overrides)
    return data


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_login_required(client, db):
    response = client.get(reverse("room_create"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_form_shows_in_vietnamese(landlord_client):
    page = landlord_client.get(reverse("room_create")).content.decode()
    assert "Đăng phòng mới" in page and "Giá thuê / tháng" in page and 'multiple' in page


def test_post_room_with_photos_goes_to_the_tag_page_with_suggestions(landlord_client, make_upload, settings,
                                                                     committed):
    with committed():
        response = landlord_client.post(reverse("room_create"), {
            **form_data(), "photos": [make_upload("a.jpg"), make_upload("b.png", "PNG")]})
    room = Room.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("room_tags", args=[room.pk])
    assert room.price_vnd == 3_500_000 and str(room.area_m2) == "20.5"
    assert room.images.count() == 2
    names = [img.image.name for img in room.images.all()]
    assert len(names) == 2 and all(re.fullmatch(r"rooms/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png)", n) for n in names)  # random names
    thumbs = [img.thumbnail.name for img in room.images.all()]
    assert len(thumbs) == 2 and all(re.fullmatch(r"rooms/\d{4}/\d{2}/thumbs/[0-9a-f]{32}\.jpg", n) for n in thumbs)
    assert len(media_files(settings)) == 6          # each photo and its two thumbnails (JPEG, WebP)
    job = TaggingJob.objects.get(room=room)
    assert job.status == TaggingJob.Status.DONE and job.attempts == 1  # in-process on the embedded default
    assert {"dieu_hoa", "gan_truong", "thoang_mat"} <= set(
        TagSuggestion.objects.filter(room=room).values_list("tag__slug", flat=True))


def test_a_bad_photo_rejects_the_form_and_saves_nothing(landlord_client, make_upload, settings):
    response = landlord_client.post(reverse("room_create"), {
        **form_data(), "photos": [make_upload("good.jpg"), make_upload("bad.jpg", content=b"not an image")]})
    assert response.status_code == 400
    assert "“bad.jpg” không phải ảnh hợp lệ" in response.content.decode()
    assert Room.objects.count() == 0 and RoomImage.objects.count() == 0 and TaggingJob.objects.count() == 0
    assert media_files(settings) == []


def test_failure_while_saving_leaves_no_row_and_no_file(landlord_client, make_upload, settings, monkeypatch):
    import rooms.services

    def broken_queue(room, reason, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(rooms.services, "queue_tagging", broken_queue)
    with pytest.raises(RuntimeError):
        landlord_client.post(reverse("room_create"), {**form_data(), "photos": [make_upload("a.jpg")]})
    assert Room.objects.count() == 0 and RoomImage.objects.count() == 0
    assert media_files(settings) == []


def test_more_than_ten_photos_refused(landlord_client, make_upload):
    response = landlord_client.post(reverse("room_create"), {
        **form_data(), "photos": [make_upload(f"{i}.jpg") for i in range(11)]})
    assert response.status_code == 400
    assert "tối đa 10 ảnh" in response.content.decode()
    assert Room.objects.count() == 0


@pytest.mark.parametrize("field, value, message", [
    ("price", "rẻ lắm", "Không hiểu giá"),
    ("area", "hai mươi", "Diện tích phải là một số"),
    ("area", "NaN", "Diện tích phải là một số"),
    ("area", "sNaN", "Diện tích phải là một số"),
    ("area", "Infinity", "Diện tích phải là một số"),
    ("title", "", "This field is required"),
])
def test_field_errors(landlord_client, field, value, message):
    response = landlord_client.post(reverse("room_create"), form_data(**{field: value}))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page or "Trường này là bắt buộc" in page
    assert Room.objects.count() == 0


def test_broker_down_keeps_the_room_and_the_queued_job(landlord_client, settings, monkeypatch, committed):
    from tagging import tasks

    def refuse(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.run_tagging_job, "apply_async", refuse)
    with committed():
        response = landlord_client.post(reverse("room_create"), form_data())
    assert response.status_code == 302
    job = TaggingJob.objects.get()
    assert job.status == TaggingJob.Status.QUEUED and job.enqueued_at is None      # unsent: the requeue sends it


@pytest.mark.parametrize("typed, stored", [("0909 123 456", "0909123456"), ("+84 909.123.456", "0909123456"),
                                           ("", "")])
def test_contact_phone_is_stored_plainly_and_shown(landlord_client, typed, stored, client):
    landlord_client.post(reverse("room_create"), form_data(contact_phone=typed))
    room = Room.objects.get()
    assert room.contact_phone == stored
    page = client.get(reverse("room_detail", args=[room.pk])).content.decode()
    assert (f'href="tel:{stored}"' in page) is bool(stored)


def test_a_wrong_phone_is_a_clear_error(landlord_client):
    response = landlord_client.post(reverse("room_create"), form_data(contact_phone="12345"))
    assert response.status_code == 400 and "Số điện thoại chưa đúng" in response.content.decode()


def test_district_spellings_become_one(landlord_client, client):
    landlord_client.post(reverse("room_create"), form_data(district="Q10"))
    assert Room.objects.get().district == "Quận 10"
    assert client.get(reverse("search"), {"quan": "quan 10"}).context["total"] == 1


def test_a_description_over_the_tagging_limit_is_a_form_error(landlord_client, settings):
    settings.TAGGING_MAX_TEXT_CHARS = 200
    response = landlord_client.post(reverse("room_create"), form_data(description="Phòng đẹp. " * 30))
    assert response.status_code == 400 and "Mô tả quá dài" in response.content.decode()
    assert not Room.objects.exists()
    ok = landlord_client.post(reverse("room_create"), form_data(description="Phòng đẹp. " * 10))
    assert ok.status_code == 302
