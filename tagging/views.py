from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from guard import allow_request

from .api import ExtractFeaturesThrottle
from .highlight import highlight
from .models import Tag
from .services import TextTooLong, suggest_tags


@require_http_methods(["GET", "POST"])
def try_tagger(request):
    """Paste a listing description, see the suggested tags and the words behind each."""
    description = request.POST.get("description", "").strip() if request.method == "POST" else ""
    context = {"description": description}
    if request.method == "POST" and not allow_request(ExtractFeaturesThrottle.scope, request,
                                                      ExtractFeaturesThrottle.rate_setting):
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
