"""Hardening, round 2 (issue 20): logins behind the proxy, admin permissions, stranded jobs,
re-tagging around deleted rooms."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tagging.models import RoomTag, TaggingJob, TagSuggestion


# -- 2. one client's failures lock out nobody else -----------------------------------------------------

def _login(client, username, password, address, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)


@pytest.mark.parametrize("url", ["/dang-nhap/", "/admin/login/"])
def test_behind_the_proxy_one_clients_failures_lock_only_that_client(client, django_user_model, settings, url):
    from django.test import Client

    settings.TRUSTED_PROXIES = 1
    django_user_model.objects.create_superuser("quantri", password="mat-khau-quan-tri-1")
    for n in range(settings.AXES_FAILURE_LIMIT):                      # ten made-up usernames, one client
        _login(client, f"khong-co-{n}", "sai", "203.0.113.7", url)
    other = Client()
    response = _login(other, "quantri", "mat-khau-quan-tri-1", "198.51.100.20", url)
    assert response.status_code == 302 and "_auth_user_id" in other.session
    locked = _login(Client(), "quantri", "mat-khau-quan-tri-1", "203.0.113.7", url)
    assert locked.status_code == 429                                  # the failing client is locked
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_wrong_passwords_for_a_username_do_not_lock_its_owner_elsewhere(client, django_user_model, settings):
    from django.test import Client

    settings.TRUSTED_PROXIES = 1
    django_user_model.objects.create_user("chutro_a", password="mat-khau-dung-123")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "chutro_a", "sai", "203.0.113.8")
    assert _login(client, "chutro_a", "mat-khau-dung-123", "203.0.113.8").status_code == 429
    assert _login(Client(), "chutro_a", "mat-khau-dung-123", "198.51.100.21").status_code == 302


def test_a_forged_forwarded_address_is_not_trusted(settings):
    from django.test import RequestFactory

    from guard import client_ip

    settings.TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(request) == "127.0.0.1"
    settings.TRUSTED_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "127.0.0.1"


# -- 3. view-only staff --------------------------------------------------------------------------------

def test_view_only_staff_cannot_accept_or_reject(client, django_user_model, room_factory):
    room_factory(description="Phòng có máy lạnh, wifi")
    staff = django_user_model.objects.create_user("xem", password="x-mat-khau-123", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_tagsuggestion"))
    client.force_login(staff)
    url = reverse("admin:tagging_tagsuggestion_changelist") + "?hang_cho=tat_ca"
    page = client.get(url)
    assert page.status_code == 200 and 'value="accept"' not in page.content.decode()
    ids = list(TagSuggestion.objects.values_list("pk", flat=True))
    for action in ("accept", "reject"):
        client.post(url, {"action": action, "_selected_action": ids})
    assert not RoomTag.objects.exclude(source=RoomTag.Source.AUTO).exists()
    assert set(TagSuggestion.objects.values_list("review", flat=True)) == {"pending"}


def test_staff_with_the_change_permission_still_can(client, django_user_model, room_factory):
    room_factory(description="Phòng có máy lạnh, wifi")
    staff = django_user_model.objects.create_user("sua", password="x-mat-khau-123", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_tagsuggestion",
                                                                        "change_tagsuggestion"]))
    client.force_login(staff)
    url = reverse("admin:tagging_tagsuggestion_changelist") + "?hang_cho=tat_ca"
    assert 'value="accept"' in client.get(url).content.decode()
    wifi = TagSuggestion.objects.get(tag__slug="wifi")
    client.post(url, {"action": "accept", "_selected_action": [wifi.pk]})
    assert RoomTag.objects.get(tag__slug="wifi", source=RoomTag.Source.ADMIN).status == "confirmed"


# -- 7. a job taken by a worker that died before starting it ---------------------------------------------

def test_a_job_received_by_a_dead_worker_is_sent_again_within_a_minute(room_factory):
    from tagging.jobs import STALE_QUEUED, mark_received, stale_jobs

    room = room_factory()
    now = timezone.now()
    taken = TaggingJob.objects.create(room=room, enqueued_at=now - timedelta(seconds=50))
    mark_received(taken.pk)
    TaggingJob.objects.filter(pk=taken.pk).update(received_at=now - timedelta(seconds=46))
    waiting = TaggingJob.objects.create(room=room, enqueued_at=now - timedelta(minutes=4))   # a backlog
    just_taken = TaggingJob.objects.create(room=room, enqueued_at=now - timedelta(minutes=1), received_at=now)
    stale = set(stale_jobs(now).values_list("pk", flat=True))
    assert taken.pk in stale
    assert waiting.pk not in stale and just_taken.pk not in stale        # healthy jobs are not sent twice
    assert waiting.pk in set(stale_jobs(now + STALE_QUEUED).values_list("pk", flat=True))


def test_starting_or_requeueing_a_job_clears_its_receipt(room_factory):
    room = room_factory()
    job = TaggingJob.objects.create(room=room, enqueued_at=timezone.now(), received_at=timezone.now())
    job.mark_running()
    assert TaggingJob.objects.get(pk=job.pk).received_at is None
    job.received_at = timezone.now()
    job.requeue()
    assert TaggingJob.objects.get(pk=job.pk).received_at is None


def test_the_worker_notes_a_received_job_but_not_a_retry_waiting_for_its_countdown(room_factory):
    from tagging.tasks import _note_received_job, run_tagging_job

    room = room_factory()
    job = TaggingJob.objects.create(room=room, enqueued_at=timezone.now())
    _note_received_job(request=SimpleNamespace(name=run_tagging_job.name, args=[job.pk], eta="2026-01-01T00:00"))
    assert TaggingJob.objects.get(pk=job.pk).received_at is None
    _note_received_job(request=SimpleNamespace(name=run_tagging_job.name, args=[job.pk], eta=None))
    assert TaggingJob.objects.get(pk=job.pk).received_at is not None


def test_the_brokers_visibility_timeout_and_the_requeue_agree(settings):
    from tagging.jobs import STALE_QUEUED, STALE_RECEIVED, STALE_RUNNING

    requeue_every = settings.CELERY_BEAT_SCHEDULE["requeue-stale-tagging-jobs"]["schedule"]
    assert STALE_RECEIVED.total_seconds() + requeue_every < 120         # a stranded job is back within 2 min
    assert STALE_RUNNING.total_seconds() + requeue_every < 120
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # Redis never hands a running job to a second worker: its copy comes back only after any job has
    # ended (time limit) and after the requeue has sent it again.
    assert visibility > settings.CELERY_TASK_TIME_LIMIT and visibility > STALE_QUEUED.total_seconds()


# -- 9. a room deleted during retag_all ----------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_room_deleted_during_a_retag_chunk_is_skipped_and_the_others_done(django_user_model, settings):
    from decimal import Decimal

    from rooms.models import Room
    from rooms.services import save_room
    from tagging.jobs import retag_rooms
    from tagging.vocabulary import load_vocabulary

    load_vocabulary()
    owner = django_user_model.objects.create_user("chutro_retag", password="x-mat-khau-123")
    rooms = [save_room(Room(owner=owner, title=f"Phòng {i}", description="Phòng có máy lạnh, wifi", address="1 A",
                            district="Quận 10", city="Hồ Chí Minh"), price_vnd=3_000_000, area_m2=Decimal(20),
                       photos=[])[0] for i in range(3)]
    ids = [r.pk for r in rooms]
    Room.objects.filter(pk=ids[1]).delete()          # deleted after retag_all listed it
    assert retag_rooms(ids) == 2
    done = set(TaggingJob.objects.filter(reason="retag", status="done").values_list("room_id", flat=True))
    assert done == {ids[0], ids[2]}
