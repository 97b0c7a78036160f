import logging
import os

from celery import shared_task
from django.conf import settings
from celery.signals import task_received, worker_init, worker_process_init, worker_process_shutdown

from . import jobs

log = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES,
             name="tagging.run_tagging_job")
def run_tagging_job(self, job_id: int) -> str:
    """Worker side of a TaggingJob.  A transient failure is retried with exponential backoff (2 s,
    4 s, 8 s), then left for the requeue; a permanent one ends the job with its message."""
    try:
        job = jobs.run_job(job_id)
    except Exception as exc:
        if jobs.record_failure(job_id, exc, final=self.request.retries >= MAX_RETRIES):
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1))
        return "failed"
    return job.status if job else "gone"


@shared_task(name="tagging.requeue_stale_jobs", ignore_result=True)
def requeue_stale_jobs() -> str:
    """Run by Celery beat every 30 s (settings.CELERY_BEAT_SCHEDULE): dead workers' jobs, lost
    messages and transient failures whose time has come are sent again."""
    sent, failed = jobs.requeue_stale()
    return f"requeued {sent}, could not send {failed}"


@task_received.connect
def _note_received_job(request=None, **kwargs):
    """A worker took a tagging job's message: noted, so that if this worker dies before starting it
    the requeue sends it again within a minute (tagging.jobs.STALE_RECEIVED).  A retry waiting
    for its countdown (an ETA) is not noted: it is meant to wait."""
    if request is None or request.name != run_tagging_job.name or request.eta:
        return
    try:
        jobs.mark_received(int(request.args[0]))
    except Exception:   # the note helps the requeue; never let it refuse a message
        log.warning("could not note a received tagging job", exc_info=True)


@worker_process_init.connect
def _warm_pool_process(**kwargs):
    """Each prefork pool process loads the model and tags once before its first job."""
    jobs.warm_up_quietly()


@worker_init.connect
def _serve_worker_metrics(sender=None, **kwargs):
    """A worker serves its metrics at WORKER_METRICS_PORT (when set) for Prometheus to scrape."""
    port = settings.WORKER_METRICS_PORT
    if port:
        from prometheus_client import start_http_server

        from .metrics import registry

        start_http_server(int(port), registry=registry())


@worker_process_shutdown.connect
def _forget_pool_process_metrics(pid=None, **kwargs):
    """Prometheus multi-process mode: a pool process that ends takes its live gauges with it."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@worker_init.connect
def _warm_solo_worker(sender=None, **kwargs):
    """A solo or threads pool runs jobs in the main process: warm it there."""
    pool = str(getattr(sender, "pool_cls", "") or "")
    if "solo" in pool or "thread" in pool:
        jobs.warm_up_quietly()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, name="tagging.retag_rooms")
def retag_rooms(self, room_ids: list[int]) -> int:
    """One chunk of ``manage.py retag_all``, run by whichever worker takes it."""
    return jobs.retag_rooms(room_ids)
