from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from rooms.views import own_room

from .decisions import save_landlord_tags, tag_choices
from .health import health_status
from .highlight import highlight
from .jobs import latest_job
from .models import Tag
from .services import TextTooLong, suggest_tags


@login_required
@require_http_methods(["GET", "POST"])
def room_tags(request, pk):
    """The landlord's tag page: suggestions with confidence and evidence, tick/untick, add, save."""
    room = own_room(request, pk)
    if request.method == "POST":
        ticked = set(request.POST.getlist("tags"))
        try:
            counts = save_landlord_tags(room, request.user, ticked)
        except ValueError:
            messages.error(request, "Có đặc điểm không hợp lệ; vui lòng chọn lại.")
            return redirect("room_tags", pk=room.pk)
        messages.success(request, f"Đã lưu {counts['confirmed']} đặc điểm cho phòng.")
        return redirect("room_detail", pk=room.pk)
    job = latest_job(room)
    suggested, others = tag_choices(room)
    return render(request, "tagging/room_tags.html", {
        "room": room, "job": job, "suggested": suggested, "others": others,
        "analysing": job is not None and not job.is_finished,
    })


@login_required
@require_GET
def room_tag_status(request, pk):
    """Polled by the tag page while a job runs."""
    room = own_room(request, pk)
    job = latest_job(room)
    return JsonResponse({"job": job.pk if job else None, "status": job.status if job else None,
                         "finished": job.is_finished if job else True})


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
def health(request):
    status = health_status()
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
