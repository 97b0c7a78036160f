from celery import shared_task

from . import jobs

MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES,
             name="tagging.run_tagging_job")
def run_tagging_job(self, job_id: int) -> str:
    """Worker side of a TaggingJob; bounded retries with exponential backoff (2 s, 4 s, 8 s)."""
    try:
        job = jobs.run_job(job_id)
    except Exception as exc:
        final = self.request.retries >= MAX_RETRIES
        jobs.record_failure(job_id, exc, final=final)
        if final:
            raise
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1))
    return job.status if job else "gone"
