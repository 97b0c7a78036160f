import pytest
from django.urls import reverse

from tagging.models import RoomTag, TagSuggestion


@pytest.fixture
def admin_client_with_rooms(admin_client, room_factory, settings):
    settings.MLCORE_CHECKPOINT = "lexicon"
    room_factory(description="Phòng có máy lạnh, wifi, gần chợ")
    room_factory(description="Phòng mát, có gác")
    return admin_client


def test_review_list_is_sorted_by_uncertainty_and_filterable(admin_client_with_rooms):
    response = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    distances = [abs(s.confidence - s.threshold) for s in shown]
    assert distances == sorted(distances)
    high = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"), {"muc": "cao"})
    assert all(s.confidence >= 0.8 for s in high.context["cl"].result_list)
    by_tag = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"),
                                         {"tag__id__exact": TagSuggestion.objects.first().tag_id})
    assert len({s.tag_id for s in by_tag.context["cl"].result_list}) == 1
    by_version = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"),
                                             {"phien_ban": "lexicon-1"})
    assert by_version.status_code == 200 and len(by_version.context["cl"].result_list) == len(shown)


def test_bulk_accept_creates_confirmed_tags_and_reject_removes(admin_client_with_rooms, admin_user):
    wifi = TagSuggestion.objects.filter(tag__slug="wifi")
    mat = TagSuggestion.objects.filter(tag__slug="thoang_mat")
    url = reverse("admin:tagging_tagsuggestion_changelist")
    admin_client_with_rooms.post(url, {"action": "accept", "_selected_action": [s.pk for s in wifi]})
    admin_client_with_rooms.post(url, {"action": "reject", "_selected_action": [s.pk for s in mat]})
    assert RoomTag.objects.get(tag__slug="wifi").status == "confirmed"
    assert RoomTag.objects.get(tag__slug="wifi").source == "admin"
    assert RoomTag.objects.get(tag__slug="wifi").user == admin_user
    assert RoomTag.objects.get(tag__slug="thoang_mat").status == "removed"
    assert set(TagSuggestion.objects.filter(tag__slug__in=["wifi", "thoang_mat"]).values_list("review", flat=True)) \
        == {"accepted", "rejected"}


def test_admin_pages_for_rooms_and_jobs(admin_client_with_rooms):
    from rooms.models import Room
    from tagging.models import TaggingJob

    room = Room.objects.first()
    assert admin_client_with_rooms.get(reverse("admin:rooms_room_change", args=[room.pk])).status_code == 200
    jobs = admin_client_with_rooms.get(reverse("admin:tagging_taggingjob_changelist"))
    assert jobs.status_code == 200 and len(jobs.context["cl"].result_list) == TaggingJob.objects.count()


def test_admin_is_staff_only(client, landlord):
    client.force_login(landlord)
    response = client.get(reverse("admin:tagging_tagsuggestion_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_review_list_shows_the_photo_behind_a_photo_suggestion(admin_client, room_factory):
    from conftest import photo_bytes
    from photos.processing import ProcessedPhoto
    from tagging.models import Tag

    room = room_factory(description="Phòng trọ", photos=[ProcessedPhoto(photo_bytes(), "jpg", 64, 48, "a.jpg")])
    TagSuggestion.objects.create(room=room, job=room.tagging_jobs.get(), tag=Tag.objects.get(slug="tu_lanh"),
                                 confidence=0.9, threshold=0.7, evidence=[{"photo": 0}], source="image",
                                 model_version="test")
    page = admin_client.get(reverse("admin:tagging_tagsuggestion_changelist")).content.decode()
    url = room.images.get().image.url
    assert f'<img src="{url}"' in page and "ảnh 1" in page
