"""Prometheus metrics of tagging (``/metrics`` on the web; on a worker at WORKER_METRICS_PORT):
inference latency per modality, cache hits, job outcomes, queue depth.  With several processes
per server set PROMETHEUS_MULTIPROC_DIR (prometheus_client's multi-process mode)."""
from __future__ import annotations

import json
import logging

from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess

INFERENCE_SECONDS = Histogram("phongtro_inference_seconds", "Time to suggest tags for one listing",
                              ["modality"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
CACHE_LOOKUPS = Counter("phongtro_suggestion_cache_total", "Suggestion cache lookups", ["result"])
JOB_OUTCOMES = Counter("phongtro_tagging_jobs_total", "Tagging jobs finished", ["outcome"])
QUEUE_DEPTH = Gauge("phongtro_tagging_queue_depth", "Tagging jobs waiting or running", ["status"],
                    multiprocess_mode="livemax")

job_log = logging.getLogger("tagging.jobs.outcome")


def log_job(job, outcome: str, seconds: float | None = None) -> None:
    """One structured line per finished job (JSON), for log search and alerts."""
    JOB_OUTCOMES.labels(outcome).inc()
    job_log.info(json.dumps({"event": "tagging_job", "job": job.pk, "room": job.room_id, "outcome": outcome,
                             "attempts": job.attempts, "model_version": job.model_version, "mode": job.mode,
                             "seconds": None if seconds is None else round(seconds, 3),
                             "error": job.error[:200] if outcome != "done" else ""}, ensure_ascii=False))


def exposition() -> bytes:
    """The text the /metrics endpoint serves (queue depth read from the database now)."""
    from .models import TaggingJob

    for status in (TaggingJob.Status.QUEUED, TaggingJob.Status.RUNNING):
        QUEUE_DEPTH.labels(status).set(TaggingJob.objects.filter(status=status).count())
    return generate_latest(registry())


def registry():
    """What /metrics shows: this process's metrics or, in multi-process mode
    (PROMETHEUS_MULTIPROC_DIR: one folder shared by the web and worker processes of a server,
    emptied before they start), every process's, so the web's /metrics counts the workers' jobs."""
    from prometheus_client import REGISTRY

    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)
    return merged
