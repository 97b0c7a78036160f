"""The operational endpoints, apart from the pages: liveness (/health), readiness (/ready) and
Prometheus metrics (/metrics).  What they check lives in tagging.health and tagging.metrics."""
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from guard import client_ip

from .health import liveness, readiness
from .metrics import exposition


@require_GET
def metrics(request):
    """Prometheus metrics of this web process (see tagging.metrics); for METRICS_TOKEN holders, or
    from this machine when no token is set."""
    token = settings.METRICS_TOKEN
    allowed = (request.headers.get("Authorization") == f"Bearer {token}") if token else \
        client_ip(request) in ("127.0.0.1", "::1")
    if not allowed:
        return HttpResponse("Không được phép.", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


@require_GET
def health(request):
    """Liveness: 200 while the process answers (container platforms restart it otherwise)."""
    return JsonResponse(liveness())


@require_GET
def ready(request):
    """Readiness: 200 once the model is loaded and the database and broker answer, else 503."""
    status = readiness()
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
