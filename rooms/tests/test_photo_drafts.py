"""Photos uploaded as they are chosen (issue 22, item 1): a form error never asks for them again,
an unreadable photo is refused alone, abandoned ones are cleaned up."""
from datetime import timedelta
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from rooms.drafts import clean_abandoned
from rooms.models import PhotoDraft, Room


def form_data(**overrides):
    data = {"title": "Phòng trọ có ảnh", "description": "Phòng có máy lạnh", "price": "3tr5", "area": "20",
            "address": "12 Lý Thường Kiệt", "district": "Quận 10", "city": "TP. Hồ Chí Minh"}
    data.update(overrides)
    return data


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_chosen_photo_is_stored_at_once_and_a_bad_one_refused_alone(landlord_client, make_upload):
    from django.test import Client

    ok = landlord_client.post(reverse("photo_draft"), {"photo": make_upload("a.jpg")})
    assert ok.status_code == 200 and ok.json()["id"] == PhotoDraft.objects.get().pk
    assert ok.json()["thumbnail"]
    bad = landlord_client.post(reverse("photo_draft"), {"photo": make_upload("hong.jpg", content=b"not a photo")})
    assert bad.status_code == 400 and "không phải ảnh hợp lệ" in bad.json()["error"]
    assert PhotoDraft.objects.count() == 1                               # the good one stays
    assert Client().post(reverse("photo_draft"), {"photo": make_upload("a.jpg")}).status_code == 302  # sign in first


def test_a_form_error_keeps_the_uploaded_photos_and_the_post_adopts_them(landlord_client, make_upload, settings,
                                                                         django_user_model, committed):
    ids = [landlord_client.post(reverse("photo_draft"), {"photo": make_upload(f"{n}.jpg", color=(n * 40, 90, 90))}
                                ).json()["id"] for n in range(2)]
    other = django_user_model.objects.create_user("nguoi_khac", password="mat-khau-dai-123")
    foreign = PhotoDraft.objects.create(owner=other, image="rooms/x.jpg")
    wrong = landlord_client.post(reverse("room_create"), form_data(price="rẻ lắm", draft_photos=ids + [foreign.pk]))
    page = wrong.content.decode()
    assert wrong.status_code == 400 and not Room.objects.exists()
    assert all(f'name="draft_photos" value="{i}"' in page for i in ids)     # shown again: nothing to re-pick
    assert f'value="{foreign.pk}"' not in page                               # another account's is not ours
    files_before = media_files(settings)
    with committed():
        saved = landlord_client.post(reverse("room_create"), form_data(draft_photos=ids))
    assert saved.status_code == 302
    room = Room.objects.get()
    assert [img.content_sha256 for img in room.images.all()] != [] and room.images.count() == 2
    assert PhotoDraft.objects.filter(owner=room.owner).count() == 0          # adopted, not copied
    assert media_files(settings) == files_before                             # the same files, now the room's
    assert all(Path(img.image.path).exists() and img.thumbnail_webp for img in room.images.all())


def test_abandoned_drafts_are_deleted_with_their_files(landlord_client, make_upload, settings, committed):
    from django.core.files.storage import default_storage

    old = landlord_client.post(reverse("photo_draft"), {"photo": make_upload("cu.jpg")}).json()["id"]
    landlord_client.post(reverse("photo_draft"), {"photo": make_upload("moi.jpg", color=(1, 2, 3))})
    PhotoDraft.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(hours=settings.PHOTO_DRAFT_HOURS + 1))
    gone = [name for _, name in PhotoDraft.objects.get(pk=old).files()]
    with committed():
        assert clean_abandoned() == 1
    assert list(PhotoDraft.objects.values_list("original_name", flat=True)) == ["moi.jpg"]
    assert gone and not any(default_storage.exists(name) for name in gone)


def test_an_account_holds_a_bounded_number_of_unsent_photos(landlord_client, make_upload, settings):
    settings.PHOTO_DRAFT_MAX = 2
    codes = [landlord_client.post(reverse("photo_draft"), {"photo": make_upload(f"{i}.jpg")}).status_code
             for i in range(3)]
    assert codes == [200, 200, 400]
