"""A landlord posts a room through the web form with a photo; a live Celery worker on Redis tags it
in PostgreSQL; the landlord confirms tags; a renter finds the room by them on the search page and
through the API.  A job queued while no worker runs is done once one starts."""
import time

from django.urls import reverse

from e2e.conftest import wait_for
from mlcore.checkpoint import checkpoint_version
from mlcore.taggers import DEFAULT_CHECKPOINT
from rooms.models import Room
from tagging.models import TaggingJob


def post_room(client, make_upload, title, description):
    return client.post(reverse("room_create"), {
        "title": title, "description": description, "price": "3tr5", "area": "22",
        "address": "12 Lý Thường Kiệt", "district": "Quận 10", "city": "TP. Hồ Chí Minh",
        "photos": [make_upload("phong.jpg")]})


def test_post_tag_confirm_and_find_on_the_real_stack(real_stack, client, make_upload, django_user_model):
    from tagging.services import load_vocabulary

    load_vocabulary()
    landlord = django_user_model.objects.create_user("chutro_e2e", password="mat-khau-dai-123")
    client.force_login(landlord)
    real_stack.start_worker()

    started = time.monotonic()
    response = post_room(client, make_upload, "Phòng trọ gần ĐH Bách Khoa",
                         "Phòng mát, có điều hòa, gần trường, wifi miễn phí, không chung chủ")
    room = Room.objects.get(title="Phòng trọ gần ĐH Bách Khoa")
    assert response.status_code == 302 and response["Location"] == reverse("room_tags", args=[room.pk])
    job = wait_for(lambda: TaggingJob.objects.filter(room=room, status="done").first(),
                   what="the worker to tag the room")
    elapsed = time.monotonic() - started
    print(f"\nupload -> suggestions on PostgreSQL + Redis + worker: {elapsed * 1000:.0f} ms "
          f"(job {job.duration_ms} ms from creation to done)")
    assert job.attempts == 1 and job.model_version == checkpoint_version(DEFAULT_CHECKPOINT)  # the shipped model

    page = client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert 'value="dieu_hoa" checked' in page and 'value="gan_truong" checked' in page
    status = client.get(reverse("api_job", args=[job.pk])).json()
    assert status["status"] == "done" and status["suggestions"] >= 3

    response = client.post(reverse("room_tags", args=[room.pk]),
                           {"tags": ["dieu_hoa", "gan_truong", "thoang_mat", "wifi", "ban_cong"]})
    assert response.status_code == 302

    client.logout()
    search = client.get(reverse("search"), {"dac_diem": ["dieu_hoa", "ban_cong"], "q": "dieu hoa"})
    assert [r.pk for r in search.context["page"]] == [room.pk]
    api = client.get(reverse("api_rooms"), {"dac_diem": ["dieu_hoa", "gan_truong"]}).json()
    assert [r["id"] for r in api["results"]] == [room.pk]
    assert {t["slug"] for t in api["results"][0]["tags"]} == {"dieu_hoa", "gan_truong", "thoang_mat", "wifi",
                                                              "ban_cong"}
    health = client.get(reverse("health")).json()
    assert health["database"] == "ok" and health["broker"] == "ok"


def test_a_job_waits_in_the_queue_while_no_worker_runs(real_stack, client, make_upload, django_user_model):
    from tagging.services import load_vocabulary

    load_vocabulary()
    landlord = django_user_model.objects.create_user("chutro_e2e2", password="mat-khau-dai-123")
    client.force_login(landlord)
    worker = real_stack.start_worker()
    real_stack.kill_worker(worker)              # the only worker is gone (SIGKILL)

    post_room(client, make_upload, "Phòng có thang máy", "Có thang máy, máy giặt")
    room = Room.objects.get(title="Phòng có thang máy")
    time.sleep(1.0)
    assert TaggingJob.objects.get(room=room).status == "queued"

    real_stack.start_worker()
    job = wait_for(lambda: TaggingJob.objects.filter(room=room, status="done").first(),
                   what="a new worker to pick up the queued job")
    assert {"thang_may", "may_giat"} <= set(job.suggestions.values_list("tag__slug", flat=True))
