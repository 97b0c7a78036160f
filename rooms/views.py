from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from django.db.models import Count, Q

from guard import allow, client_ip
from tagging.models import RoomTag, TaggingJob

from .drafts import store_draft
from .forms import RoomForm, SignupForm
from .models import Room
from .places import PLACES
from .search import (SearchForm, district_names, result_page, search_rooms, tag_counts, tag_groups, understand,
                     with_listing_details)
from .services import EditConflict, TooManyPhotos, delete_room, save_room_form

PAGE_SIZE = 12


def _search_form(request) -> tuple[SearchForm, dict]:
    """The search parameters read: an invalid filter is shown with its error and left out; the
    valid ones still apply."""
    form = SearchForm(request.GET or None)
    if not form.is_bound:
        return form, {}
    form.is_valid()
    return form, form.cleaned_data


def search(request):
    """Renter search: the box read like a listing, filters, per-tag counts, sorting, pages."""
    form, data = _search_form(request)
    rq = understand(data, request.GET)
    page, counts = result_page(search_rooms(rq), request.GET.get("trang"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("trang", None)
    chosen = set(data.get("dac_diem") or [])
    return render(request, "rooms/search.html", {
        "form": form, "page": page, "rq": rq, "groups": tag_groups(counts, chosen), "counts": counts,
        "districts": district_names(data.get("tinh") or ""), "selected_count": len(chosen),
        "filter_count": len(rq.chips), "total": page.paginator.count, "query": query.urlencode()})


@require_GET
def search_count(request):
    """What the filter sheet would show, as its choices are made: the number of rooms and the
    per-tag counts, for the same parameters as the search page (one small request)."""
    _, data = _search_form(request)
    rooms = search_rooms(understand(data, request.GET))
    ids = list(rooms.values_list("pk", flat=True))
    return JsonResponse({"total": len(ids), "counts": tag_counts(rooms, ids)})


def room_detail(request, pk):
    room = get_object_or_404(with_listing_details(Room.objects.visible_to(request.user).select_related("owner")), pk=pk)
    return render(request, "rooms/detail.html", {"room": room, "is_owner": request.user == room.owner})


@login_required
@require_http_methods(["GET", "POST"])
def room_create(request):
    return _room_form(request, Room(owner=request.user))


def own_room(request, pk) -> Room:
    """The signed-in landlord's room ``pk``; 404 for anyone else's (no hint that it exists)."""
    room = Room.objects.owned_by(request.user).filter(pk=pk).first()
    if room is None:
        raise Http404("Không tìm thấy phòng của bạn.")
    return room


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request, pk):
    return _room_form(request, own_room(request, pk))


def _room_form(request, room):
    form = RoomForm(request.POST or None, request.FILES or None, instance=room)
    if request.method == "POST" and form.is_valid():
        try:
            room, _ = save_room_form(form)
        except EditConflict as exc:        # saved elsewhere since this form was loaded: show the newer room
            room = own_room(request, room.pk)
            return _render_form(request, RoomForm(instance=room), room, status=409, conflict=str(exc))
        except TooManyPhotos as exc:       # photos added elsewhere meanwhile
            form.add_error("photos", str(exc))
            return _render_form(request, form, room, status=400)
        messages.success(request, "Đã lưu phòng. Hãy xem và xác nhận các đặc điểm được gợi ý.")
        return redirect("room_tags", pk=room.pk)
    return _render_form(request, form, room, status=400 if form.is_bound else 200)


def _render_form(request, form, room, status, conflict=""):
    province = PLACES().province(form["city"].value() or "")
    return render(request, "rooms/form.html", {
        "form": form, "room": room if room.pk else None, "conflict": conflict,
        "districts": [d.name for d in PLACES().old_districts_of(province.code)] if province else [],
        "wards": [w.name for w in PLACES().wards_of(province.code, form["district"].value() or "")]
        if province else []}, status=status)


@login_required
@require_POST
def photo_draft(request):
    """One photo uploaded as soon as the landlord chose it (``rooms.drafts``): its id and thumbnail,
    or its own Vietnamese error (the other photos are not affected)."""
    upload = request.FILES.get("photo")
    if upload is None:
        return JsonResponse({"error": "Không nhận được ảnh."}, status=400)
    try:
        draft = store_draft(request.user, upload)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"id": draft.pk, "thumbnail": draft.thumbnail_url, "name": draft.original_name})


@login_required
@require_http_methods(["GET", "POST"])
def room_delete(request, pk):
    room = own_room(request, pk)
    if request.method == "POST":
        title = room.title
        delete_room(room)
        messages.success(request, f"Đã xóa phòng “{title}”.")
        return redirect("my_rooms")
    return render(request, "rooms/confirm_delete.html", {"room": room})


@login_required
def my_rooms(request):
    recheck = Count("room_tags", filter=Q(room_tags__status=RoomTag.Status.NEEDS_RECHECK))
    rooms = list(with_listing_details(Room.objects.filter(owner=request.user).annotate(recheck_count=recheck)))
    for room in rooms:
        room.job = TaggingJob.objects.latest_for(room)
    return render(request, "rooms/my_rooms.html", {"rooms": rooms})


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("my_rooms")
    if request.method == "POST" and not allow("signup", client_ip(request), settings.SIGNUP_RATE):
        return render(request, "registration/signup.html", {
            "form": SignupForm(), "error": "Đã có quá nhiều tài khoản được tạo từ địa chỉ này; vui lòng thử lại sau."},
            status=429)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Chào mừng! Bạn có thể đăng phòng ngay.")
        return redirect("room_create")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.is_bound else 200)
