from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from mlcore.lexicon import default_lexicon

from .highlight import highlight
from .models import Tag
from .services import TextTooLong, suggest_tags


@require_http_methods(["GET", "POST"])
def try_tagger(request):
    """Paste a listing description, see the suggested tags and the words behind each."""
    description = request.POST.get("description", "").strip() if request.method == "POST" else ""
    context = {"description": description}
    if request.method == "POST":
        if not description:
            context["error"] = "Vui lòng nhập mô tả phòng."
        else:
            try:
                suggestions = suggest_tags(description)
            except TextTooLong as exc:
                context["error"] = str(exc)
            else:
                context["suggestions"] = suggestions
                context["pieces"] = highlight(
                    description, [(e["start"], e["end"], s.name) for s in suggestions for e in s.evidence])
    return render(request, "tagging/try.html", context, status=400 if context.get("error") else 200)


@require_GET
def vocabulary(request):
    return render(request, "tagging/vocabulary.html", {"tags": Tag.objects.all()})


@require_GET
def health(request):
    status = {"database": "ok", "model_loaded": False, "model_version": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to reach the database is "down", never a 500 page
        status["database"] = "down"
    try:
        tagger = default_lexicon()
        status["model_loaded"], status["model_version"] = True, tagger.version
    except Exception:
        status["model_loaded"] = False
    ok = status["database"] == "ok" and status["model_loaded"]
    return JsonResponse({"status": "ok" if ok else "degraded", **status}, status=200 if ok else 503)
