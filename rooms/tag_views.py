"""The landlord's tag page: here, in rooms, so that the arrows run one way (rooms -> tagging)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tagging.decisions import by_group, needs_recheck, save_landlord_tags, tag_choices
from tagging.models import TaggingJob

from .views import own_room


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
    job = TaggingJob.objects.latest_for(room)
    suggested, others = tag_choices(room)
    return render(request, "tagging/room_tags.html", {
        "room": room, "job": job, "suggested": suggested, "others": others, "other_groups": by_group(others),
        "analysing": job is not None and not job.is_finished, "recheck": needs_recheck(room),
        "undecided": room.tags_confirmed_at is None,
    })


@login_required
@require_GET
def room_tag_status(request, pk):
    """Polled by the tag page while a job runs."""
    room = own_room(request, pk)
    job = TaggingJob.objects.latest_for(room)
    return JsonResponse({"job": job.pk if job else None, "status": job.status if job else None,
                         "finished": job.is_finished if job else True})
