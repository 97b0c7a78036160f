import pytest
from django.urls import reverse

from mlcore.lexicon import LexiconTagger
from tagging.models import RoomTag, TagSuggestion


@pytest.fixture
def admin_client_with_rooms(admin_client, room_factory, settings):
    settings.MLCORE_CHECKPOINT = "lexicon"
    room_factory(description="Phòng có máy lạnh, wifi, gần chợ")
    room_factory(description="Phòng mát, có gác")
    return admin_client


ALL = {"hang_cho": "tat_ca"}


def test_review_list_is_sorted_by_uncertainty_and_filterable(admin_client_with_rooms):
    response = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"), ALL)
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    distances = [abs(s.confidence - s.threshold) for s in shown]
    assert distances == sorted(distances)
    high = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"), {**ALL, "muc": "cao"})
    assert high.context["cl"].result_list and all(s.confidence >= 0.8 for s in high.context["cl"].result_list)
    by_tag = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"),
                                         {**ALL, "tag__id__exact": TagSuggestion.objects.first().tag_id})
    assert len({s.tag_id for s in by_tag.context["cl"].result_list}) == 1
    by_version = admin_client_with_rooms.get(reverse("admin:tagging_tagsuggestion_changelist"),
                                             {**ALL, "phien_ban": LexiconTagger().version})
    assert by_version.status_code == 200 and len(by_version.context["cl"].result_list) == len(shown)


def test_bulk_accept_creates_confirmed_tags_and_reject_removes(admin_client_with_rooms, admin_user):
    wifi = TagSuggestion.objects.filter(tag__slug="wifi")
    mat = TagSuggestion.objects.filter(tag__slug="thoang_mat")
    url = reverse("admin:tagging_tagsuggestion_changelist") + "?hang_cho=tat_ca"   # the form posts to its page
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
                                 confidence=0.9, threshold=0.7, evidence=[{"photo_id": room.images.get().pk}], source="image",
                                 model_version="test")
    page = admin_client.get(reverse("admin:tagging_tagsuggestion_changelist"), ALL).content.decode()
    url = room.images.get().image.url
    assert f'class="thumb driving"><img src="{url}" alt="Ảnh 1"' in page
    assert "Chỉ ảnh 1 cho thấy." in page                  # not the start of the text


def suggestion(room, slug, confidence, threshold=0.5, **kwargs):
    from tagging.models import Tag

    return TagSuggestion.objects.create(room=room, job=room.tagging_jobs.order_by("-id").first(),
                                        tag=Tag.objects.get(slug=slug), confidence=confidence, threshold=threshold,
                                        model_version="test", **kwargs)


def test_the_queue_lists_only_what_needs_a_person(admin_client, room_factory, landlord):
    from tagging.decisions import save_landlord_tags

    room = room_factory(description="Phòng trọ sạch")
    TagSuggestion.objects.filter(room=room).delete()
    unsure = suggestion(room, "ban_cong", 0.56)                           # small margin: in
    sure = suggestion(room, "wifi", 0.97)                                 # the model is sure: out
    clash = suggestion(room, "gac_lung", 0.95, conflict="text_denies")    # text and photos disagree: in
    reviewed = suggestion(room, "tivi", 0.52, review="accepted")          # an admin saw it: out
    decided = suggestion(room, "camera", 0.45)                            # the landlord decided: out
    save_landlord_tags(room, landlord, {"camera", "wifi"})
    TagSuggestion.objects.filter(pk__in=[unsure.pk, clash.pk, reviewed.pk]).update(review="pending")
    RoomTag.objects.filter(room=room, tag__slug__in=["ban_cong", "gac_lung", "tivi"]).delete()
    reviewed.review = "accepted"
    reviewed.save()
    old_room = room_factory(description="Phòng có ban công")
    old = suggestion(old_room, "tivi", 0.5)
    from tagging.jobs import queue_tagging

    queue_tagging(old_room)                                               # a newer analysis is coming…
    from tagging.jobs import run_job

    run_job(old_room.tagging_jobs.order_by("-id").first().pk)             # …and done: the old row is out
    response = admin_client.get(reverse("admin:tagging_tagsuggestion_changelist"))
    shown = list(response.context["cl"].result_list)
    assert unsure in shown and clash in shown
    assert sure not in shown and reviewed not in shown and decided not in shown and old not in shown
    page = response.content.decode()
    assert "56% / 50%" in page and "ảnh cho thấy, văn bản nói không có" in page
    conflicts = admin_client.get(reverse("admin:tagging_tagsuggestion_changelist"), {**ALL, "khong_khop": "co"})
    assert list(conflicts.context["cl"].result_list) == [clash]
    assert "văn bản và ảnh không khớp" in conflicts.content.decode()


def test_evidence_is_highlighted_text_not_raw_json(admin_client, room_factory):
    room = room_factory(description="Phòng mát, có máy lạnh và wifi")
    s = TagSuggestion.objects.get(room=room, tag__slug="dieu_hoa")
    page = admin_client.get(reverse("admin:tagging_tagsuggestion_change", args=[s.pk])).content.decode()
    assert "<mark>máy lạnh</mark>" in page and '"start"' not in page and "[{" not in page


ENGLISH = ["Show counts", "Hide counts", "Job", "Reviewed by", "Reviewed at", "Created at", "Django administration",
           "Trang quản trị cho Django", "Skip to main content", "Toggle theme", "Toggle navigation", "Add ", "Change ",
           "Delete", "Save", "Search", "Filter", "Action", "History", "View site", "Log out", "Welcome", "Home",
           "Recent actions", "Select all", "Clear selection", "Go", "Yes", "No", "Unknown", "Any date", "Today",
           "Past 7 days", "This month", "This year", "Sidebar", "Breadcrumbs", "Model name", "Access attempts",
           "Access failures", "Access logs", "created", "edited", "text-only", "multimodal", "no PyTorch", "wins on"]


def visible_text(html: str) -> str:
    import html as html_lib
    import re

    html = re.sub(r"(?s)<(script|style|template)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_whole_admin_speaks_vietnamese(admin_client, room_factory, admin_user):
    import re

    from rooms.models import Room
    from tagging.models import TaggingJob

    room_factory(description="Phòng có máy lạnh, wifi")
    room = Room.objects.get()
    s, job, rt = TagSuggestion.objects.first(), TaggingJob.objects.first(), RoomTag.objects.first()
    pages = ["/admin/", "/admin/rooms/room/", f"/admin/rooms/room/{room.pk}/change/", "/admin/rooms/room/add/",
             "/admin/tagging/tagsuggestion/", "/admin/tagging/tagsuggestion/?hang_cho=tat_ca",
             f"/admin/tagging/tagsuggestion/{s.pk}/change/", "/admin/tagging/taggingjob/",
             f"/admin/tagging/taggingjob/{job.pk}/change/", "/admin/tagging/roomtag/",
             f"/admin/tagging/roomtag/{rt.pk}/change/", "/admin/tagging/tag/", "/admin/auth/user/",
             f"/admin/auth/user/{admin_user.pk}/change/", f"/admin/rooms/room/{room.pk}/history/"]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        text = " ".join(visible_text(response.content.decode()).split())
        assert "Quản trị Phòng Trọ AI" in text, url
        for phrase in ENGLISH:
            pattern = r"(?<![\w])" + re.escape(phrase.strip()) + r"(?![\w])"
            assert not re.search(pattern, text), f"{url}: English “{phrase.strip()}” in the admin"


def test_the_review_pages_show_the_model_in_use_with_its_figures(admin_client, settings):
    settings.MLCORE_CHECKPOINT = "default"
    from mlcore.checkpoint import read_checkpoint_meta
    from mlcore.taggers import DEFAULT_CHECKPOINT

    meta = read_checkpoint_meta(DEFAULT_CHECKPOINT)
    for name in ("admin:tagging_tagsuggestion_changelist", "admin:tagging_taggingjob_changelist"):
        page = admin_client.get(reverse(name)).content.decode()
        assert f"Mô hình đang dùng: {meta['version']}" in page
        assert f"{meta['evaluation']['dev_gold_micro_f1']:.3f}".replace(".", ",") in page \
            or f"{meta['evaluation']['dev_gold_micro_f1']:.3f}" in page
        assert "ONNX Runtime, không dùng PyTorch" in page and "no PyTorch" not in page
        assert "wins on" not in page and "tốt hơn trên ảnh" in page
        assert 'id="rules-differ"' in page          # its figures predate hashed rules: the card says so


def test_suggestions_of_an_older_analysis_are_closed_and_leave_every_queue(admin_client, room_factory, committed,
                                                                           landlord_client):
    """Issue 22: after an edit re-tags a room, the earlier analysis's suggestions no longer wait
    (two "Cửa sổ" rows, old and current, used to both stay pending)."""
    room = room_factory(description="Phòng có máy lạnh, wifi, gần chợ")
    old = set(TagSuggestion.objects.filter(room=room).values_list("pk", flat=True))
    with committed():
        landlord_client.post(reverse("room_edit", args=[room.pk]), {
            "title": room.title, "description": "Phòng có máy lạnh, wifi, gần chợ, ban công", "price": "3 triệu",
            "area": "20", "address": room.address, "district": room.district, "city": room.city, "is_listed": "on"})
    assert old and set(TagSuggestion.objects.filter(pk__in=old).values_list("review", flat=True)) == {"superseded"}
    current = TagSuggestion.objects.exclude(pk__in=old)
    assert current.exists() and set(current.values_list("review", flat=True)) == {"pending"}
    url = reverse("admin:tagging_tagsuggestion_changelist")
    listed = {s.pk for s in admin_client.get(url, {"hang_cho": "tat_ca"}).context["cl"].result_list}
    assert listed == set(current.values_list("pk", flat=True))
    history = {s.pk for s in admin_client.get(url, {"hang_cho": "cu"}).context["cl"].result_list}
    assert history == old


def test_a_text_photo_conflict_waiting_for_the_landlord_is_in_the_default_queue(admin_client, admin_user,
                                                                                 room_factory, landlord):
    """Issue 22: a photo shows an air conditioner, the text now says "không có máy lạnh" and the tag
    waits for the landlord's second look: the default queue used to be empty ("0 kết quả")."""
    from tagging.decisions import save_landlord_tags

    room = room_factory(description="Phòng trọ")
    TagSuggestion.objects.filter(room=room).delete()
    save_landlord_tags(room, landlord, {"dieu_hoa"})
    clash = suggestion(room, "dieu_hoa", 0.93, threshold=0.6, conflict="text_denies", source="image",
                       evidence=[{"photo_id": 0}])
    sure_but_settled = suggestion(room, "wifi", 0.58)
    save_landlord_tags(room, landlord, {"wifi"} | {"dieu_hoa"})
    RoomTag.objects.filter(room=room, tag__slug="dieu_hoa").update(status="recheck")
    url = reverse("admin:tagging_tagsuggestion_changelist")
    shown = list(admin_client.get(url).context["cl"].result_list)
    assert clash in shown and sure_but_settled not in shown
    home = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="review-queue-count"' in home and "<strong>1</strong> gợi ý đặc điểm cần người xem" in home
    from tagging.decisions import review_suggestions

    review_suggestions(TagSuggestion.objects.filter(pk=clash.pk), admin_user, accept=False)   # an admin decided
    assert clash not in list(admin_client.get(url).context["cl"].result_list)
