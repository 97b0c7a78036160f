"""Tagging jobs: queued when a room is saved, run by a worker, never lost.

``queue_tagging(room)`` creates a TaggingJob inside the caller's transaction and hands it to Celery
once that transaction commits.  ``run_job(job_id)`` is what the worker does; it is idempotent: a
repeated or redelivered job replaces its own suggestions and never duplicates them.  A job whose
hand-off failed (broker down) or whose worker died stays ``queued``/``running`` in the database,
and ``manage.py requeue_tagging_jobs`` sends it again.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Tag, TaggingJob, TagSuggestion
from .services import suggest_tags

log = logging.getLogger(__name__)


def queue_tagging(room, reason: str = "created", accept_suggestions: bool = False) -> TaggingJob:
    job = TaggingJob.objects.create(room=room, reason=reason, accept_suggestions=accept_suggestions)
    transaction.on_commit(lambda: send_job(job.pk))
    return job


def send_job(job_id: int) -> bool:
    """Hand a job to the task queue; False (job left queued, logged) when the broker is down."""
    from .tasks import run_tagging_job

    TaggingJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    try:
        run_tagging_job.delay(job_id)
    except Exception:  # broker unreachable: the job stays queued for requeue_tagging_jobs
        log.exception("could not enqueue tagging job %s; it stays queued", job_id)
        return False
    return True


def run_job(job_id: int) -> TaggingJob | None:
    """Run one job: suggestions for the room's current text and photos. None if the job is gone."""
    with transaction.atomic():
        job = TaggingJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == TaggingJob.Status.DONE:
            return job
        job.status = TaggingJob.Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])

    room = job.room
    images = [img.image.path for img in room.images.all()]
    result = suggest_tags(room.text_for_tagging, images)

    tags = {t.slug: t for t in Tag.objects.filter(slug__in=[s.slug for s in result.suggestions])}
    with transaction.atomic():
        job = TaggingJob.objects.select_for_update().get(pk=job_id)
        if job.status == TaggingJob.Status.DONE:  # another delivery finished first
            return job
        TagSuggestion.objects.filter(job=job).delete()
        TagSuggestion.objects.bulk_create([
            TagSuggestion(room=room, job=job, tag=tags[s.slug], confidence=s.confidence, threshold=s.threshold,
                          evidence=s.evidence, source=s.source, model_version=result.model_version)
            for s in result.suggestions if s.slug in tags])
        job.status = TaggingJob.Status.DONE
        job.model_version = result.model_version
        job.mode = result.mode
        job.error = ""
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "model_version", "mode", "error", "finished_at"])
        from .decisions import accept_pre_ticked, reconcile  # decisions reads this module's suggestions

        reconcile(room, set(result.extra.get("denied", ())))
        if job.accept_suggestions:
            accept_pre_ticked(room)
    return job


def record_failure(job_id: int, exc: BaseException, final: bool) -> None:
    """Note an attempt's error on the job; ``final`` marks it failed, otherwise it waits for a retry."""
    status = TaggingJob.Status.FAILED if final else TaggingJob.Status.QUEUED
    TaggingJob.objects.filter(pk=job_id).update(
        status=status, error=f"{type(exc).__name__}: {exc}"[:2000],
        finished_at=timezone.now() if final else None)


def latest_job(room) -> TaggingJob | None:
    return room.tagging_jobs.order_by("-created_at", "-id").first()


def current_suggestions(room):
    """Suggestions of the room's latest finished job (most confident first)."""
    job = room.tagging_jobs.filter(status=TaggingJob.Status.DONE).order_by("-created_at", "-id").first()
    if job is None:
        return TagSuggestion.objects.none()
    return job.suggestions.select_related("tag").order_by("-confidence", "tag__position")


def stale_jobs(older_than: timedelta):
    """Jobs that should have finished by now: never sent, lost with a broker, or with a dead worker."""
    cutoff = timezone.now() - older_than
    return TaggingJob.objects.filter(status__in=[TaggingJob.Status.QUEUED, TaggingJob.Status.RUNNING],
                                     created_at__lt=cutoff)
