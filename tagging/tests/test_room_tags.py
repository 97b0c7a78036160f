from django.urls import reverse

from tagging.models import RoomTag, TaggingJob


def test_tag_page_shows_suggestions_ticked_with_evidence(landlord_client, room_factory):
    room = room_factory(description="Phòng mát, có điều hoà, gần trường")
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert 'value="dieu_hoa" checked' in page and "“điều hoà”" in page
    assert 'value="gan_truong" checked' in page and "Thêm đặc điểm khác" in page
    assert 'value="ban_cong"' in page and 'value="ban_cong" checked' not in page
    assert "Đang phân tích" not in page


def test_tag_page_waits_while_the_job_runs(landlord_client, room_factory):
    room = room_factory()
    TaggingJob.objects.create(room=room)            # a newer job, still queued
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert "Đang phân tích…" in page and reverse("room_tag_status", args=[room.pk]) in page
    status = landlord_client.get(reverse("room_tag_status", args=[room.pk])).json()
    assert status["finished"] is False and status["status"] == "queued"


def test_saving_confirms_ticked_and_removes_unticked(landlord_client, room_factory, landlord):
    room = room_factory(description="Phòng có máy lạnh, wifi")
    response = landlord_client.post(reverse("room_tags", args=[room.pk]), {"tags": ["dieu_hoa", "ban_cong"]})
    assert response.status_code == 302 and response["Location"] == reverse("room_detail", args=[room.pk])
    rows = {rt.tag.slug: (rt.status, rt.source, rt.user) for rt in RoomTag.objects.filter(room=room)}
    assert rows == {"dieu_hoa": ("confirmed", "model", landlord),      # kept suggestion
                    "ban_cong": ("confirmed", "landlord", landlord),   # added by hand
                    "wifi": ("removed", "landlord", landlord)}        # unticked suggestion


def test_unknown_tag_is_refused_without_changes(landlord_client, room_factory):
    room = room_factory()
    before = list(RoomTag.objects.filter(room=room).values())
    response = landlord_client.post(reverse("room_tags", args=[room.pk]), {"tags": ["ho_boi"]}, follow=True)
    assert "Có đặc điểm không hợp lệ" in response.content.decode()
    assert list(RoomTag.objects.filter(room=room).values()) == before


def test_a_failed_analysis_says_so_and_still_allows_tagging(landlord_client, room_factory):
    room = room_factory()
    TaggingJob.objects.create(room=room, status=TaggingJob.Status.FAILED, error="RuntimeError: x")
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert "Chưa phân tích được phòng này" in page and "RuntimeError" not in page
    assert "Lưu đặc điểm" in page


def test_a_photo_suggestion_shows_the_photo_that_drove_it(landlord_client, room_factory):
    from conftest import photo_bytes
    from photos.processing import ProcessedPhoto
    from tagging.models import Tag, TagSuggestion

    room = room_factory(description="Phòng trọ", photos=[ProcessedPhoto(photo_bytes(), "jpg", 64, 48, "a.jpg"),
                                                          ProcessedPhoto(photo_bytes(color=(9, 9, 9)), "jpg", 64, 48, "b.jpg")])
    job = room.tagging_jobs.get()
    TagSuggestion.objects.create(room=room, job=job, tag=Tag.objects.get(slug="tivi"), confidence=0.91, threshold=0.6,
                                 evidence=[{"photo_id": room.images.all()[1].pk}], source="image", model_version="test")
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    second = room.images.all()[1].image.url
    assert f'src="{second}"' in page and "từ ảnh 2" in page and 'value="tivi" checked' in page


def test_photo_evidence_names_the_photo_by_id_so_reordering_changes_nothing(landlord_client, room_factory, committed):
    """The model's photo evidence is stored by photo id: reordering the photos neither re-runs the
    model nor moves the witness to another photo; the page numbers the photo as now shown."""
    from conftest import photo_bytes
    from photos.processing import ProcessedPhoto
    from tagging.models import Tag, TagSuggestion, TaggingJob

    room = room_factory(description="Phòng trọ", photos=[ProcessedPhoto(photo_bytes(), "jpg", 64, 48, "a.jpg"),
                                                          ProcessedPhoto(photo_bytes(color=(9, 9, 9)), "jpg", 64, 48, "b.jpg")])
    first, second = room.images.all()
    TagSuggestion.objects.create(room=room, job=room.tagging_jobs.get(), tag=Tag.objects.get(slug="tivi"),
                                 confidence=0.91, threshold=0.6, evidence=[{"photo_id": second.pk}], source="image",
                                 model_version="test")
    jobs_before = TaggingJob.objects.filter(room=room).count()
    form = landlord_client.get(reverse("room_edit", args=[room.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "photos"}
    data.update({f"photo_position_{second.pk}": "1", f"photo_position_{first.pk}": "2", "loaded_version": room.edit_version,
                 "price": "3tr", "area": "20"})
    with committed():
        response = landlord_client.post(reverse("room_edit", args=[room.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [p.pk for p in room.images.all()] == [second.pk, first.pk]
    assert TaggingJob.objects.filter(room=room).count() == jobs_before      # nothing to tag again
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert f'src="{second.image.url}"' in page and "từ ảnh 1" in page     # the same photo, now first


def test_the_taggers_photo_evidence_is_stored_by_photo_id():
    """The tagger names the i-th photo it read; what is stored names that photo's id (so the room's
    display order does not matter), and a photo index it did not read is dropped."""
    from tagging.models import photo_evidence_by_id

    assert photo_evidence_by_id([{"start": 0, "end": 3, "text": "máy"}, {"photo": 1}], [41, 42]) == [
        {"start": 0, "end": 3, "text": "máy"}, {"photo_id": 42}]
    assert photo_evidence_by_id([{"photo": 5}], [41]) == []


def test_each_evidence_word_is_shown_once(landlord_client, room_factory):
    """Issue 22, item 7: "wc riêng" written twice in a listing is one piece of evidence on the page."""
    room = room_factory(description="Phòng có WC riêng. Rộng rãi, wc riêng sạch sẽ.")
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    row = page[page.index('value="wc_rieng"'):]
    evidence = row[row.index('class="evidence"'):row.index("</span>", row.index('class="evidence"'))]
    assert evidence.lower().count("wc riêng") == 1, evidence
