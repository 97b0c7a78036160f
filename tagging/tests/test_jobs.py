"""Tagging jobs: idempotent, retried with a bound, failures recorded, nothing lost."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from django.db import OperationalError
from django.urls import reverse
from PIL import UnidentifiedImageError

from tagging import jobs, tasks
from tagging.services import TextTooLong
from tagging.models import TaggingJob, TagSuggestion


def test_repeated_delivery_never_duplicates_suggestions(room_factory):
    room = room_factory(description="Có máy lạnh, wifi, thang máy")
    job = TaggingJob.objects.get(room=room)
    before = list(TagSuggestion.objects.filter(job=job).values_list("tag__slug", "confidence"))
    assert before
    jobs.run_job(job.pk)                      # a redelivered message: already done, nothing changes
    TaggingJob.objects.filter(pk=job.pk).update(status=TaggingJob.Status.RUNNING)
    jobs.run_job(job.pk)                      # a worker died mid-way and the job runs again
    after = list(TagSuggestion.objects.filter(job=job).values_list("tag__slug", "confidence"))
    assert sorted(after) == sorted(before)
    job.refresh_from_db()
    assert job.status == TaggingJob.Status.DONE and job.attempts == 2


def test_transient_failures_are_retried_then_left_for_the_requeue(room_factory, monkeypatch):
    room = room_factory()
    job = jobs.queue_tagging(room, reason="retag")
    calls = []

    def broken(text, photos=()):
        calls.append(1)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(jobs, "suggest_tags", broken)
    assert tasks.run_tagging_job.apply(args=[job.pk]).get() == "failed"   # eager: retries run at once
    job.refresh_from_db()
    assert len(calls) == tasks.MAX_RETRIES + 1
    assert job.status == TaggingJob.Status.FAILED and job.attempts == tasks.MAX_RETRIES + 1
    assert job.error == "OperationalError: could not connect to server" and job.finished_at is not None
    assert job.will_retry and not job.permanent and job.retry_after > timezone.now()
    # later, the requeue (Celery beat) sends it again and it succeeds
    monkeypatch.undo()
    sent = []
    monkeypatch.setattr(tasks.run_tagging_job, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    assert jobs.requeue_stale() == (0, 0)                           # not yet
    assert jobs.requeue_stale(now=job.retry_after + timedelta(seconds=1)) == (1, 0) and sent == [job.pk]
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == TaggingJob.Status.DONE and job.message == "" and job.retry_after is None


@pytest.mark.parametrize("error, message", [
    (lambda: TextTooLong("Mô tả quá dài (tối đa 20000 ký tự)."), "Mô tả quá dài (tối đa 20000 ký tự)."),
    (lambda: UnidentifiedImageError("cannot identify image file"), "Không đọc được một ảnh của phòng"),
    (lambda: RuntimeError("model crashed"), "Chưa phân tích được phòng này"),
])
def test_a_permanent_failure_fails_once_with_a_message(room_factory, monkeypatch, landlord_client, error, message):
    room = room_factory()
    job = jobs.queue_tagging(room, reason="retag")
    calls = []

    def broken(text, photos=()):
        calls.append(1)
        raise error()

    monkeypatch.setattr(jobs, "suggest_tags", broken)
    assert tasks.run_tagging_job.apply(args=[job.pk]).get() == "failed"
    job.refresh_from_db()
    assert len(calls) == 1 and job.status == TaggingJob.Status.FAILED and job.permanent and not job.will_retry
    assert message in job.message
    assert job not in jobs.stale_jobs(now=timezone.now() + timedelta(days=1))
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert message in page and "thử lại" not in page.split('id="tag-form"')[0]


def test_a_transient_failure_recovers(room_factory, monkeypatch):
    room = room_factory()
    job = jobs.queue_tagging(room, reason="retag")
    real = jobs.suggest_tags
    calls = []

    def flaky(text, photos=()):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("temporary")
        return real(text, photos)

    monkeypatch.setattr(jobs, "suggest_tags", flaky)
    tasks.run_tagging_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == TaggingJob.Status.DONE and job.attempts == 2 and job.error == ""


def test_a_deleted_room_ends_its_job_quietly(room_factory):
    room = room_factory()
    job = jobs.queue_tagging(room)
    room.delete()
    assert tasks.run_tagging_job.apply(args=[job.pk]).get() == "gone"


def test_task_is_acked_late_and_rejected_when_the_worker_dies():
    assert tasks.run_tagging_job.acks_late is True
    assert tasks.run_tagging_job.reject_on_worker_lost is True
    assert tasks.run_tagging_job.max_retries == tasks.MAX_RETRIES


def test_requeue_sends_stale_jobs_again(room_factory, monkeypatch, capsys):
    room = room_factory()
    now = timezone.now()
    lost = jobs.queue_tagging(room)              # never handed over (no on_commit in this test)
    TaggingJob.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=30))
    dead = jobs.queue_tagging(room)              # its worker was killed mid-run
    TaggingJob.objects.filter(pk=dead.pk).update(status="running", enqueued_at=now - timedelta(minutes=2),
                                                 started_at=now - timedelta(seconds=61))
    busy = jobs.queue_tagging(room)              # running right now: left alone
    TaggingJob.objects.filter(pk=busy.pk).update(status="running", enqueued_at=now - timedelta(hours=1),
                                                 started_at=now - timedelta(seconds=5))
    waiting = jobs.queue_tagging(room)           # sent a minute ago, waiting its turn: left alone
    TaggingJob.objects.filter(pk=waiting.pk).update(enqueued_at=now - timedelta(minutes=1),
                                                    created_at=now - timedelta(hours=1))
    sent = []
    monkeypatch.setattr(tasks.run_tagging_job, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    call_command("requeue_tagging_jobs")
    assert sorted(sent) == sorted([lost.pk, dead.pk])
    assert TaggingJob.objects.get(pk=dead.pk).status == "queued"
    assert "requeued 2 job(s)" in capsys.readouterr().out


def test_beat_runs_the_requeue_every_30_seconds(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["requeue-stale-tagging-jobs"]
    assert entry["task"] == "tagging.requeue_stale_jobs" and entry["schedule"] <= 30
    assert "tagging.requeue_stale_jobs" in app.tasks


def test_model_is_loaded_once_per_process(settings, monkeypatch):
    from tagging import serving

    loads = []
    real = serving.load_tagger
    monkeypatch.setattr(serving, "load_tagger", lambda spec, **kw: loads.append(spec) or real(spec, **kw))
    monkeypatch.setattr(serving, "_tagger_cache", {})
    for _ in range(3):
        serving.get_tagger()
    assert loads == [settings.MLCORE_CHECKPOINT]


@pytest.mark.parametrize("spec", ["no/such/checkpoint"])
def test_a_missing_model_is_a_clear_error(settings, monkeypatch, spec):
    from mlcore.taggers import TaggerNotFound
    from tagging import serving

    settings.MLCORE_CHECKPOINT = spec
    monkeypatch.setattr(serving, "_tagger_cache", {})
    with pytest.raises(TaggerNotFound, match="unknown model"):
        serving.get_tagger()


def test_a_fresh_django_process_knows_the_tasks_jobs_send_by_name():
    """jobs sends tagging.run_tagging_job by name (no import back from jobs to tasks): every process
    that sets Django up registers it (TaggingConfig.ready), the web's included."""
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                          "from celery import current_app; from tagging.jobs import RUN_TASK; "
                          "print(RUN_TASK in current_app.tasks, current_app.main)"],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["True", "phongtro"]
