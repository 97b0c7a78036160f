"""A landlord posts a room through the web form with a photo; a live Celery worker on Redis tags it
in PostgreSQL; the landlord confirms tags; a renter finds the room by them on the search page and
through the API.  A job queued while no worker runs is done once one starts."""
import pytest
import time

from django.urls import reverse

from e2e.conftest import wait_for
from mlcore.checkpoint import checkpoint_version
from mlcore.lexicon import LexiconTagger
from mlcore.rules_version import versioned
from mlcore.taggers import DEFAULT_CHECKPOINT
from rooms.models import Room
from tagging.models import TaggingJob


def post_room(client, make_upload, title, description):
    return client.post(reverse("room_create"), {
        "title": title, "description": description, "price": "3tr5", "area": "22",
        "address": "12 Lý Thường Kiệt", "district": "Quận 10", "city": "TP. Hồ Chí Minh",
        "photos": [make_upload("phong.jpg")]})


def test_post_tag_confirm_and_find_on_the_real_stack(real_stack, client, make_upload, django_user_model):
    from tagging.vocabulary import load_vocabulary

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
    assert job.attempts == 1 and job.model_version == versioned(checkpoint_version(DEFAULT_CHECKPOINT),
                                                                 LexiconTagger().rules_hash)  # the shipped model

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
    ready = client.get(reverse("ready")).json()
    assert ready["database"] == "ok" and ready["broker"] == "ok"


def test_a_job_waits_in_the_queue_while_no_worker_runs(real_stack, client, make_upload, django_user_model):
    from tagging.vocabulary import load_vocabulary

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


@pytest.mark.slow
def test_an_edit_that_denies_a_tag_hides_it_on_the_real_stack(real_stack, browser_page, live_server, client,
                                                                tmp_path, django_user_model):
    """Post "có máy lạnh" → confirm → edit to "không có máy lạnh": Điều hòa leaves public search and
    the API, and the landlord sees the warning (screenshot tag-page-recheck.png)."""
    from conftest import photo_bytes
    from e2e.conftest import ARTIFACTS, fill_room_form
    from tagging.vocabulary import load_vocabulary

    load_vocabulary()
    real_stack.start_worker()
    django_user_model.objects.create_user("chutro_sua", password="mot-mat-khau-rat-dai")
    page = browser_page
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "chutro_sua")
    page.fill("#id_password", "mot-mat-khau-rat-dai")
    page.click("button[type=submit]")
    photo = tmp_path / "phong.jpg"
    photo.write_bytes(photo_bytes(size=(640, 480), color=(200, 200, 190)))
    page.goto(f"{live_server.url}/phong/dang-tin/")
    fill_room_form(page, photo, title="Phòng trọ Quận 10", description="Phòng có máy lạnh, wifi, gác lửng.",
                   price="3tr5", area="22", address="12 Lý Thường Kiệt", district="Quận 10")
    page.click("#room-form button[type=submit]")
    page.wait_for_selector("#suggestions", timeout=120_000)       # the live worker tagged it
    assert page.is_checked("input[value=dieu_hoa]")
    page.click("#tag-form button[type=submit]")
    page.wait_for_url("**/phong/*/")
    room = Room.objects.get(title="Phòng trọ Quận 10")

    def public():
        on_page = {r.pk for r in client.get(reverse("search"), {"q": "máy lạnh"}).context["page"]}
        in_api = {r["id"] for r in client.get("/api/rooms/", {"dac_diem": "dieu_hoa"}).json()["results"]}
        return on_page, in_api

    assert public() == ({room.pk}, {room.pk})
    page.goto(f"{live_server.url}/phong/{room.pk}/sua/")
    page.fill("#id_description", "Phòng không có máy lạnh, có wifi, gác lửng.")
    page.click("#room-form button[type=submit]")
    page.wait_for_url("**/dac-diem/")
    wait_for(lambda: TaggingJob.objects.filter(room=room, status="done").count() == 2, timeout=120,
             what="the edit to be tagged again")
    page.reload()
    assert page.is_visible("#recheck") and "Điều hòa" in page.inner_text("#recheck")
    assert not page.is_checked("input[value=dieu_hoa]")
    page.screenshot(path=str(ARTIFACTS / "tag-page-recheck.png"), full_page=True)
    assert public() == (set(), set())
    page.goto(f"{live_server.url}/phong-cua-toi/")
    assert "1 đặc điểm cần xác nhận lại" in page.inner_text("main")


@pytest.mark.slow
def test_a_killed_worker_loses_no_job_and_nobody_runs_a_command(real_stack, client, make_upload,
                                                                 django_user_model):
    """kill -9 of the worker with a job in flight: Celery beat's requeue and a fresh worker finish
    every job within 2 minutes; none lost, none duplicated."""
    from tagging.models import TagSuggestion
    from tagging.vocabulary import load_vocabulary

    load_vocabulary()
    landlord = django_user_model.objects.create_user("chutro_kill", password="mat-khau-dai-123")
    client.force_login(landlord)
    real_stack.start_beat()
    first = real_stack.start_worker()
    for i in range(8):
        post_room(client, make_upload, f"Phòng số {i}", "Phòng có máy lạnh, wifi, ban công, gần chợ")
    # a job of these small rooms takes tens of milliseconds once the worker is warm: look often
    wait_for(lambda: TaggingJob.objects.filter(status="running").exists(), timeout=60, interval=0.005,
             what="a job in flight on the first worker")
    in_flight = list(TaggingJob.objects.filter(status="running").values_list("pk", flat=True))
    real_stack.kill_worker(first)                   # SIGKILL, mid-job
    killed_at = time.monotonic()
    real_stack.start_worker()                       # the supervisor's restart (or another worker)
    wait_for(lambda: TaggingJob.objects.exclude(status="done").count() == 0, timeout=120,
             what=f"every job done after the kill (in flight: {in_flight})\n" + real_stack.worker_log()[-3000:])
    took = time.monotonic() - killed_at
    jobs = TaggingJob.objects.all()
    assert jobs.count() == 8 and set(jobs.values_list("room_id", flat=True)) == set(
        Room.objects.values_list("pk", flat=True))                               # 0 lost
    for job in jobs:                                                             # 0 duplicated
        slugs = list(TagSuggestion.objects.filter(job=job).values_list("tag__slug", flat=True))
        assert slugs and len(slugs) == len(set(slugs)), job
    print(f"\nkill -9 with {len(in_flight)} job(s) in flight: all 8 jobs done {took:.0f} s after the kill")


def test_a_hung_broker_costs_a_save_under_2_seconds_and_loses_nothing(real_stack, client, make_upload,
                                                                        django_user_model, hung_broker, settings):
    """A broker that accepts and never answers: the landlord's save returns within 2 s with the
    room stored and its job queued; /ready answers within 2 s; once the broker is back the
    requeue sends the job and a worker does it."""
    from e2e.conftest import REDIS_URL, point_celery_at
    from tagging.jobs import NOT_SENT, requeue_stale
    from tagging.vocabulary import load_vocabulary
    from django.utils import timezone

    load_vocabulary()
    landlord = django_user_model.objects.create_user("chutro_treo", password="mat-khau-dai-123")
    client.force_login(landlord)
    point_celery_at(hung_broker.url)
    settings.CELERY_BROKER_URL = hung_broker.url
    started = time.monotonic()
    response = post_room(client, make_upload, "Phòng lúc broker treo", "Phòng có máy lạnh, ban công")
    took = time.monotonic() - started
    assert response.status_code == 302 and took < 2.0, took
    room = Room.objects.get(title="Phòng lúc broker treo")
    job = TaggingJob.objects.get(room=room)
    assert job.status == "queued" and job.enqueued_at is None          # not sent: waiting for the requeue
    started = time.monotonic()
    ready = client.get(reverse("ready"))
    assert time.monotonic() - started < 2.0 and ready.json()["broker"] in ("down", "timeout")

    point_celery_at(REDIS_URL)                                          # the broker is back
    settings.CELERY_BROKER_URL = REDIS_URL
    real_stack.start_worker()
    assert requeue_stale(now=timezone.now() + NOT_SENT) == (1, 0)       # what beat does 30 s later
    wait_for(lambda: TaggingJob.objects.get(pk=job.pk).status == "done", what="the job after the broker came back")
    print(f"\nhung broker: the save took {took:.2f} s; the job was done once the broker was back")
