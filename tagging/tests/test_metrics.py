"""/metrics: inference latency per modality, cache hits, job outcomes, queue depth; one log line per job."""
import json
import logging

from django.urls import reverse

from tagging.models import TaggingJob


def value(text: str, series: str) -> float:
    """The sample of ``series`` (name with labels) in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if line.rsplit(" ", 1)[0] == series:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_after_a_tagging_job(client, room_factory, caplog):
    before = client.get(reverse("metrics")).content.decode()
    with caplog.at_level(logging.INFO, logger="tagging.jobs.outcome"):
        room = room_factory(description="Phòng có máy lạnh và wifi ở quận 3")
    TaggingJob.objects.create(room=room)                             # one waiting
    text = client.get(reverse("metrics")).content.decode()
    count = 'phongtro_inference_seconds_count{modality="text-only"}'
    assert value(text, count) == value(before, count) + 1
    done = 'phongtro_tagging_jobs_total{outcome="done"}'
    assert value(text, done) == value(before, done) + 1
    assert value(text, 'phongtro_tagging_queue_depth{status="queued"}') == 1
    miss = 'phongtro_suggestion_cache_total{result="miss"}'
    assert value(text, miss) == value(before, miss) + 1
    lines = [json.loads(r.message) for r in caplog.records if r.name == "tagging.jobs.outcome"]
    assert lines and lines[-1]["event"] == "tagging_job" and lines[-1]["outcome"] == "done"
    assert lines[-1]["room"] == room.pk


def test_metrics_are_not_public(client, db, settings):
    assert client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.METRICS_TOKEN = "bi-mat"
    assert client.get(reverse("metrics")).status_code == 403
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer bi-mat").status_code == 200


def test_a_pool_process_that_ends_takes_its_live_gauges_with_it(settings, tmp_path, monkeypatch):
    """Celery's worker_process_shutdown, in Prometheus multi-process mode: the process's own live
    files are marked dead (the handler once lost its ``os`` import and raised NameError)."""
    from prometheus_client import multiprocess

    from tagging import tasks

    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    dead = []
    monkeypatch.setattr(multiprocess, "mark_process_dead", lambda pid: dead.append(pid))
    tasks._forget_pool_process_metrics(pid=None)
    tasks._forget_pool_process_metrics(pid=4242)
    import os

    assert dead == [os.getpid(), 4242]
