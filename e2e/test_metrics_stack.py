"""The production stack as docs/deployment.md runs it (gunicorn, a Celery worker with two pool processes,
PostgreSQL, Redis, one Prometheus multi-process folder): after a landlord posts a room with a
photo, the web's /metrics shows the job the worker ran, its inference time and the queue."""
import re
import sys
import urllib.request
from pathlib import Path

import pytest

from e2e.conftest import redis_available

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "mot-mat-khau-rat-dai"


def postgres_available() -> bool:
    import psycopg2

    try:
        psycopg2.connect("postgres://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return True
    except psycopg2.OperationalError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not redis_available(), reason="Redis is not running at 127.0.0.1:6379")
@pytest.mark.skipif(not postgres_available(), reason="PostgreSQL is not running at 127.0.0.1:5432")
def test_the_webs_metrics_show_the_workers_tagging_job():
    sys.path.insert(0, str(REPO / "bench"))
    from stack import Browser, CameraLikePhotos, ProductionStack
    from upload_latency import room_fields, wait_for_jobs

    with ProductionStack(workers=1, worker_concurrency=2) as stack:
        stack.manage("shell", "-c", "from django.contrib.auth import get_user_model as g\n"
                                    f"g().objects.create_user('chutro_metrics', password='{PASSWORD}')")
        landlord = Browser(stack.url)
        landlord.login("chutro_metrics", PASSWORD)
        token = landlord.csrf("/phong/dang-tin/")
        status, headers, _ = landlord.post_form(
            "/phong/dang-tin/", {"csrfmiddlewaretoken": token, **room_fields(1)},
            [("photos", "IMG_0001.jpg", CameraLikePhotos(1600, 1200).make(1))])
        assert status == 302, headers
        room = int(headers["Location"].strip("/").split("/")[-2])
        assert room in wait_for_jobs(stack, [room], timeout=120), "the tagging job did not finish"
        with urllib.request.urlopen(stack.url + "/metrics", timeout=10) as response:     # from this machine
            body = response.read().decode()
    # counted in a worker's pool process, shown by a gunicorn process
    assert re.search(r'^phongtro_inference_seconds_count\{modality="multimodal"\} 1\.0$', body, re.M), body
    assert re.search(r'^phongtro_tagging_jobs_total\{outcome="done"\} 1\.0$', body, re.M)
    assert re.search(r'^phongtro_suggestion_cache_total\{result="miss"\} 1\.0$', body, re.M)
    assert re.search(r'^phongtro_tagging_queue_depth\{status="queued"\} 0\.0$', body, re.M)
