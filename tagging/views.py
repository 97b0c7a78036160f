from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from .api import ExtractFeaturesThrottle
from .health import liveness, readiness
from .highlight import highlight
from .models import Tag
from .services import TextTooLong, suggest_tags


@require_http_methods(["GET", "POST"])
def try_tagger(request):
    """Paste a listing description, see the suggested tags and the words behind each."""
    description = request.POST.get("description", "").strip() if request.method == "POST" else ""
    context = {"description": description}
    if request.method == "POST" and not ExtractFeaturesThrottle().allow_request(request, None):
        context["error"] = "Bạn thử quá nhiều lần; vui lòng đợi một chút rồi thử lại."
        return render(request, "tagging/try.html", context, status=429)
    if request.method == "POST":
        if not description:
            context["error"] = "Vui lòng nhập mô tả phòng."
        else:
            try:
                result = suggest_tags(description)
            except TextTooLong as exc:
                context["error"] = str(exc)
            else:
                context["suggestions"] = result.suggestions
                context["pieces"] = highlight(
                    description, [(e["start"], e["end"], s.name)
                                  for s in result.suggestions for e in s.evidence if "start" in e])
    return render(request, "tagging/try.html", context, status=400 if context.get("error") else 200)


@require_GET
def vocabulary(request):
    return render(request, "tagging/vocabulary.html", {"tags": Tag.objects.all()})


@require_GET
def metrics(request):
    """Prometheus metrics of this web process (see tagging.metrics); for METRICS_TOKEN holders, or
    from this machine when no token is set."""
    from django.conf import settings
    from django.http import HttpResponse
    from prometheus_client import CONTENT_TYPE_LATEST

    from config.security import client_ip

    from .metrics import exposition

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


def ready(request):
    """Readiness: 200 once the model is loaded and the database and broker answer, else 503."""
    status = readiness()
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
