"""Tagging jobs: queued when a room is saved, run by a worker, never lost.

``queue_tagging(room)`` creates a TaggingJob inside the caller's transaction and hands it to Celery
once that transaction commits.  ``run_job(job_id)`` is what the worker does; it is idempotent: a
repeated or redelivered job replaces its own suggestions and never duplicates them.

Failures: a transient one (database, broker, file system) is retried by the task with backoff,
and, once its retries are spent, again later by the requeue; a permanent one (a text too long, an
unreadable photo) fails once with a message the landlord understands.  ``requeue_stale()`` runs
every 30 s under Celery beat (``tagging.requeue_stale_jobs``): it sends again the jobs of a dead
worker (running for over a minute since ``started_at``), jobs a worker took but never started
(``received_at`` over 45 s ago: with late acks and a prefetch of one a live worker starts a job it
takes at once, so its worker died), jobs the broker did not take (unsent for 30 s), jobs whose
message was lost (queued for over five minutes since ``enqueued_at``: a healthy backlog waits in the
broker, never taken, and is not sent twice) and failed transient jobs whose ``retry_after`` passed.
A dead worker's unacknowledged message also comes back from Redis after the broker's visibility
timeout (an hour, settings), long after the requeue sent it again: that late copy finds its job
done and does nothing, so no job runs twice to completion.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from celery import current_app

from .decisions import accept_pre_ticked, reconcile
from .metrics import log_job
from .models import Tag, TaggingJob
from .services import PhotoSource, TextTooLong, suggest_tags

log = logging.getLogger(__name__)

STALE_RUNNING = timedelta(seconds=60)       # a job takes seconds; a minute means its worker died
STALE_QUEUED = timedelta(minutes=5)         # sent but never taken by a worker: the message was lost
STALE_RECEIVED = timedelta(seconds=45)      # taken by a worker that never started it: that worker died
RETRY_LATER = timedelta(minutes=5)          # a transient failure out of quick retries waits this long
MAX_ATTEMPTS = 12                           # in all, after which a transient failure stays failed
NOT_SENT = timedelta(seconds=30)            # a job the broker did not take is sent again after this
RUN_TASK = "tagging.run_tagging_job"        # tagging.tasks, found by name (tasks import this module)
SEND_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}


class PermanentJobError(Exception):
    """A failure no retry can fix; ``message`` is for the landlord."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def classify(exc: BaseException) -> tuple[bool, str]:
    """(transient?, the landlord's message) for a job's exception."""
    if isinstance(exc, PermanentJobError):
        return False, exc.message
    if isinstance(exc, TextTooLong):
        return False, str(exc)
    if isinstance(exc, (UnidentifiedImageError, Image.DecompressionBombError, SyntaxError)):
        return False, "Không đọc được một ảnh của phòng; hãy xóa ảnh đó và tải lại ảnh khác."
    if isinstance(exc, (DatabaseError, ConnectionError, TimeoutError, OSError)) or _is_broker_error(exc):
        return True, "Hệ thống đang bận; phòng sẽ được phân tích lại tự động."
    return False, "Chưa phân tích được phòng này; bạn vẫn có thể tự chọn đặc điểm."


def _is_broker_error(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import RedisError

    return isinstance(exc, (BrokerError, RedisError))


def warm_up_quietly() -> None:
    """Load and warm the tagger in a starting worker; a failure is logged, and the first job then
    loads it (and fails with its own message if it really cannot)."""
    from .serving import warm_up

    try:
        log.info("tagger warmed up: %s", warm_up())
    except Exception:
        log.exception("could not warm up the tagger")


def queue_tagging(room, reason: str = "created", accept_suggestions: bool = False) -> TaggingJob:
    job = TaggingJob.objects.create(room=room, reason=reason, accept_suggestions=accept_suggestions)
    transaction.on_commit(lambda: send_job(job.pk))
    return job


def send_job(job_id: int) -> bool:
    """Hand a job to the task queue; False (job left queued, logged) when the broker is down."""
    TaggingJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())   # staleness counts from here
    try:   # a hung broker costs ~1 s: 0.5 s socket timeout (settings), one retry
        current_app.tasks[RUN_TASK].apply_async(args=[job_id], retry=True, retry_policy=SEND_RETRY)
    except Exception:  # broker unreachable or hung: the job stays queued, unsent; the requeue sends it
        log.exception("could not enqueue tagging job %s; it stays queued", job_id)
        TaggingJob.objects.filter(pk=job_id).update(enqueued_at=None)
        return False
    return True


def run_job(job_id: int) -> TaggingJob | None:
    """Run one job: suggestions for the room's current text and photos. None if the job is gone."""
    with transaction.atomic():
        job = TaggingJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == TaggingJob.Status.DONE or (job.status == TaggingJob.Status.FAILED
                                                                   and job.permanent):
            return job
        job.mark_running()

    room = job.room
    # The photos in an order of their own (their content, then id), not the room's display order:
    # reordering the photos neither misses the cache nor changes what the evidence names.
    photos = sorted(room.images.all(), key=lambda img: (img.content_sha256, img.pk))
    result = suggest_tags(room.text_for_tagging,
                          [PhotoSource.from_file(img.image, img.content_sha256) for img in photos])

    tags = {t.slug: t for t in Tag.objects.filter(slug__in=[s.slug for s in result.suggestions])}
    with transaction.atomic():
        job = TaggingJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == TaggingJob.Status.DONE:  # room deleted meanwhile / another delivery won
            return job
        job.store_result(result, tags, [img.pk for img in photos])
        transaction.on_commit(lambda job=job: log_job(job, "done", job.duration_ms / 1000 if job.duration_ms else None))
        reconcile(room, set(result.denied))
        if job.accept_suggestions:
            accept_pre_ticked(room)
    return job


def record_failure(job_id: int, exc: BaseException, final: bool) -> bool:
    """Note a failed attempt; returns True when it should be retried now (transient, not final).
    A permanent failure ends the job at once with its message; a transient one out of retries
    waits for the requeue (``retry_after``), unless the job has had MAX_ATTEMPTS already."""
    job = TaggingJob.objects.filter(pk=job_id).first()
    if job is None:
        return False
    transient, message = classify(exc)
    error = f"{type(exc).__name__}: {exc}"
    if transient and not final:
        job.mark_retrying(error)
        return True
    later = transient and job.attempts < MAX_ATTEMPTS
    job.mark_failed(error, message, permanent=not later, retry_after=timezone.now() + RETRY_LATER if later else None)
    log_job(job, "retry_later" if later else "failed")
    return False


def mark_received(job_id: int) -> None:
    """A worker took the job's message (Celery's task_received, in the worker's main process)."""
    TaggingJob.objects.filter(pk=job_id, status=TaggingJob.Status.QUEUED).update(received_at=timezone.now())


def stale_jobs(now=None):
    """Jobs that should have finished by now and can be sent again (see the module docstring)."""
    from django.db.models import Q

    now = now or timezone.now()
    return TaggingJob.objects.filter(
        Q(status=TaggingJob.Status.RUNNING, started_at__lt=now - STALE_RUNNING)
        | Q(status=TaggingJob.Status.QUEUED, received_at__lt=now - STALE_RECEIVED)
        | Q(status=TaggingJob.Status.QUEUED, enqueued_at__lt=now - STALE_QUEUED)
        | Q(status=TaggingJob.Status.QUEUED, enqueued_at__isnull=True, created_at__lt=now - NOT_SENT)
        | Q(status=TaggingJob.Status.FAILED, permanent=False, retry_after__lte=now))


def requeue_stale(now=None) -> tuple[int, int]:
    """Send the stale jobs again: (sent, could not be sent)."""
    sent = failed = 0
    for job in stale_jobs(now):
        job.requeue()
        if send_job(job.pk):
            sent += 1
        else:
            failed += 1
    return sent, failed


def rooms_to_retag(version: str | None):
    """Ids of the rooms whose current suggestions do not come from model ``version`` (ascending);
    every room when ``version`` is None."""
    from django.db.models import OuterRef, Subquery

    Room = TaggingJob._meta.get_field("room").related_model     # the room model, without importing rooms
    if version is None:
        return Room.objects.order_by("pk").values_list("pk", flat=True)
    latest = TaggingJob.objects.done().filter(room=OuterRef("pk")).newest_first().values("model_version")[:1]
    return (Room.objects.annotate(current_version=Subquery(latest))
            .exclude(current_version=version).order_by("pk").values_list("pk", flat=True))


def rooms_retagged_since(room_ids, since) -> int:
    """How many of ``room_ids`` a re-tagging job finished for since ``since`` (retag_all's progress)."""
    return (TaggingJob.objects.done().filter(room_id__in=room_ids, reason="retag", created_at__gte=since)
            .values("room_id").distinct().count())


def retag_rooms(room_ids: list[int]) -> int:
    """Tag these rooms again now (a chunk of ``retag_all``): one job each, run here; people's
    decisions are kept by the tag rules (``decisions.reconcile``).  Returns how many were done."""
    Room = TaggingJob._meta.get_field("room").related_model
    existing = set(Room.objects.filter(pk__in=room_ids).values_list("pk", flat=True))
    done = 0
    for room_id in (pk for pk in room_ids if pk in existing):
        try:     # a room deleted since (its job's foreign key fails, at the latest on commit) is skipped
            with transaction.atomic():
                job = TaggingJob.objects.create(room_id=room_id, reason="retag", enqueued_at=timezone.now())
        except IntegrityError:
            continue
        try:
            run_job(job.pk)
            done += 1
        except Exception as exc:   # one bad room must not stop the chunk; the job records why
            record_failure(job.pk, exc, final=True)
    return done
