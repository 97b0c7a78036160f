"""Tagging jobs: idempotent, retried with a bound, failures recorded, nothing lost."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tagging import jobs, tasks
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


def test_failures_are_retried_then_recorded(room_factory, monkeypatch):
    room = room_factory()
    job = jobs.queue_tagging(room, reason="retag")
    calls = []

    def broken(text, images=()):
        calls.append(1)
        raise RuntimeError("model crashed")

    monkeypatch.setattr(jobs, "suggest_tags", broken)
    result = tasks.run_tagging_job.apply(args=[job.pk])   # eager: retries run at once
    assert result.failed()
    job.refresh_from_db()
    assert len(calls) == tasks.MAX_RETRIES + 1
    assert job.status == TaggingJob.Status.FAILED and job.attempts == tasks.MAX_RETRIES + 1
    assert job.error == "RuntimeError: model crashed" and job.finished_at is not None


def test_a_transient_failure_recovers(room_factory, monkeypatch):
    room = room_factory()
    job = jobs.queue_tagging(room, reason="retag")
    real = jobs.suggest_tags
    calls = []

    def flaky(text, images=()):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("temporary")
        return real(text, images)

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
    job = jobs.queue_tagging(room)               # never handed over (no on_commit in this test)
    TaggingJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    fresh = jobs.queue_tagging(room)
    sent = []
    monkeypatch.setattr(tasks.run_tagging_job, "delay", lambda job_id: sent.append(job_id))
    call_command("requeue_tagging_jobs", "--minutes", "10")
    assert sent == [job.pk] and fresh.pk not in sent
    assert "requeued 1 job(s)" in capsys.readouterr().out


def test_model_is_loaded_once_per_process(settings, monkeypatch):
    from tagging import services

    loads = []
    real = services.load_tagger
    monkeypatch.setattr(services, "load_tagger", lambda spec: loads.append(spec) or real(spec))
    monkeypatch.setattr(services, "_tagger_cache", {})
    for _ in range(3):
        services.get_tagger()
    assert loads == [settings.MLCORE_CHECKPOINT]


@pytest.mark.parametrize("spec", ["no/such/checkpoint"])
def test_a_missing_model_is_a_clear_error(settings, monkeypatch, spec):
    from mlcore.taggers import TaggerNotFound
    from tagging import services

    settings.MLCORE_CHECKPOINT = spec
    monkeypatch.setattr(services, "_tagger_cache", {})
    with pytest.raises(TaggerNotFound, match="unknown model"):
        services.get_tagger()
