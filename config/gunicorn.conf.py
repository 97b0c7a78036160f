"""gunicorn for production: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

Sized for this project's 2-core machines: 2 worker processes (one per core; tagging runs in the
Celery workers, so a web request is mostly database and template work, and the API's model is the
one heavy object each process holds) with 4 threads each (requests waiting on PostgreSQL or an
upload overlap instead of queueing).  So at most 8 requests at once, and 8 database connections,
reused between requests (CONN_MAX_AGE with health checks).  Workers are recycled after ~1,000
requests to bound memory.  Every value can be overridden with GUNICORN_* environment variables.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
# Above the site's own limits (config.middleware.LimitRequestLine: 4,096-character URLs, 8,192-character
# headers), which answer in Vietnamese; only larger requests meet gunicorn's own English 414/431, and
# the proxy in front should refuse those first (docs/deployment.md).
limit_request_line = 8190          # gunicorn's maximum
limit_request_fields = 100
limit_request_field_size = 16380
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None     # "" turns it off
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """Prometheus multi-process mode (PROMETHEUS_MULTIPROC_DIR): a recycled process's live gauges
    leave /metrics with it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
