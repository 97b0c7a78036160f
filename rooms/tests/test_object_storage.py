"""Photos in S3-compatible object storage (S3_BUCKET; django-storages), over HTTP against an
S3-protocol server (moto's server mode): uploads, thumbnails, the worker's reads, signed URLs,
deletes, ``make_thumbnails`` and the training export, all through the storage API, nothing on
this machine's disk."""
import json
import urllib.request
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

from rooms.models import Room, RoomImage
from tagging import serving
from tagging.models import TagSuggestion


def objects(client, bucket) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post(client, make_upload, **fields):
    data = {"title": "Phòng trọ có máy lạnh", "description": "Phòng có máy lạnh, giường, cửa sổ lớn",
            "price": "3tr5", "area": "20", "address": "12 Lý Thường Kiệt", "district": "Quận 10",
            "city": "TP. Hồ Chí Minh", "photos": [make_upload("a.jpg", color=(200, 40, 40)),
                                                   make_upload("b.jpg", color=(40, 40, 200))]}
    data.update(fields)
    return client.post(reverse("room_create"), data)


def test_a_post_stores_its_photos_and_thumbnails_in_the_bucket_and_serves_signed_urls(
        s3_photos, landlord_client, make_upload, committed, settings):
    bucket, _, s3 = s3_photos
    with committed():
        response = post(landlord_client, make_upload)
    assert response.status_code == 302
    room = Room.objects.get()
    images = list(room.images.all())
    stored = objects(s3, bucket)
    assert len(images) == 2 and stored == {name for img in images for _, name in img.files()}
    assert all(img.thumbnail_webp.name.endswith(".webp") for img in images)
    assert media_files(settings) == []                            # nothing on this machine's disk
    url = images[0].thumbnail_url
    assert url.startswith(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]) and "X-Amz-Signature=" in url
    page = landlord_client.get(reverse("search")).content.decode()
    assert url.split("?")[0] in page and images[0].thumbnail_webp_url.split("?")[0] in page   # the card's thumbnails
    with urllib.request.urlopen(images[0].image.url, timeout=10) as fetched:    # the signed URL works
        body = fetched.read()
    with images[0].image.open("rb") as handle:
        assert body == handle.read()
    head = s3.head_object(Bucket=bucket, Key=images[0].image.name)
    assert "max-age=31536000" in head["CacheControl"]               # random names, never rewritten


def test_the_worker_reads_the_photos_from_the_bucket(s3_photos, landlord_client, make_upload, committed, settings,
                                                     monkeypatch):
    """The shipped model reads the room's photos through the storage API (there is no local file
    to read); its photo evidence, if any, names a stored photo."""
    from storages.backends.s3 import S3Storage

    settings.MLCORE_CHECKPOINT = "default"
    monkeypatch.setattr(serving, "_tagger_cache", {})
    opened = []
    real_open = S3Storage._open
    monkeypatch.setattr(S3Storage, "_open", lambda self, name, mode="rb": opened.append(name) or real_open(self, name, mode))
    with committed():
        post(landlord_client, make_upload, description="Cho thuê phòng, liên hệ chủ nhà.")
    room = Room.objects.get()
    job = room.tagging_jobs.get()
    assert job.status == "done" and job.mode == "multimodal"
    assert sorted(opened) == sorted(img.image.name for img in room.images.all())     # each photo read once
    ids = {img.pk for img in room.images.all()}
    assert {s.photo_id for s in TagSuggestion.objects.filter(room=room) if s.photo_id} <= ids
    assert media_files(settings) == []


def test_removing_a_photo_or_the_room_deletes_its_objects(s3_photos, landlord_client, make_upload, committed):
    bucket, _, s3 = s3_photos
    with committed():
        post(landlord_client, make_upload)
    room = Room.objects.get()
    first, second = room.images.all()
    with committed():
        first.delete()
    assert objects(s3, bucket) == {name for _, name in second.files()} and len(second.files()) == 3
    with committed():
        landlord_client.post(reverse("room_delete", args=[room.pk]))
    assert not Room.objects.exists() and objects(s3, bucket) == set()


def test_make_thumbnails_and_the_training_export_read_from_the_bucket(s3_photos, landlord_client, make_upload,
                                                                       committed, tmp_path, landlord):
    from tagging.decisions import save_landlord_tags

    bucket, _, s3 = s3_photos
    with committed():
        post(landlord_client, make_upload)
    room = Room.objects.get()
    img = room.images.first()
    old_thumb = img.thumbnail.name
    img.thumbnail.delete(save=False)                                 # a photo stored before thumbnails
    RoomImage.objects.filter(pk=img.pk).update(thumbnail="")
    call_command("make_thumbnails", verbosity=0)
    img.refresh_from_db()
    assert img.thumbnail.name and img.thumbnail.name != old_thumb and img.thumbnail.name in objects(s3, bucket)
    save_landlord_tags(room, landlord, {"dieu_hoa"})
    out = tmp_path / "decided.jsonl"
    call_command("export_training_data", "--out", str(out), verbosity=0)
    row = json.loads(out.read_text(encoding="utf-8"))
    assert len(row["images"]) == 2
    with img.image.open("rb") as stored:
        assert (tmp_path / row["images"][0]).read_bytes() == stored.read()


def test_a_public_address_gives_plain_urls(monkeypatch):
    from config.settings.base import photo_storage

    monkeypatch.setenv("S3_BUCKET", "phongtro-photos")
    monkeypatch.setenv("S3_PUBLIC_URL", "https://cdn.phongtro.example/anh")
    options = photo_storage()["OPTIONS"]
    assert options["custom_domain"] == "cdn.phongtro.example/anh" and options["querystring_auth"] is False
    monkeypatch.delenv("S3_BUCKET")
    assert photo_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_pages_may_load_photos_from_the_object_store(monkeypatch):
    """The Content-Security-Policy lets the pages show the bucket's photos (img-src)."""
    from config.settings.base import photo_origins

    monkeypatch.setenv("S3_BUCKET", "phongtro-photos")
    monkeypatch.setenv("S3_ENDPOINT_URL", "https://s3.ap-southeast-1.example.vn")
    assert photo_origins() == ["https://s3.ap-southeast-1.example.vn"]
    monkeypatch.setenv("S3_PUBLIC_URL", "https://cdn.phongtro.example/anh")
    assert photo_origins() == ["https://cdn.phongtro.example"]
    monkeypatch.delenv("S3_BUCKET")
    assert photo_origins() == []
