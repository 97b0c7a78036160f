from django.contrib import admin, messages
from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Abs
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from . import wording
from .decisions import review_suggestions
from .highlight import highlight
from .models import RoomTag, Tag, TaggingJob, TagSuggestion


class ModelCardMixin:
    """A change list headed by the model in use: its version, runtime and promotion figures."""
    change_list_template = "admin/tagging/change_list_with_model.html"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "model_card": _model_card_or_none()})


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "group", "visual", "position")
    show_facets = admin.ShowFacets.NEVER
    list_filter = ("group", "visual")
    search_fields = ("name", "slug")


class ConfidenceBand(admin.SimpleListFilter):
    title = "mức tin cậy"
    parameter_name = "muc"
    BANDS = {"thap": ("dưới 50%", 0.0, 0.5), "vua": ("50–80%", 0.5, 0.8), "cao": ("từ 80%", 0.8, 1.01)}

    def lookups(self, request, model_admin):
        return [(k, v[0]) for k, v in self.BANDS.items()]

    def queryset(self, request, queryset):
        if self.value() in self.BANDS:
            _, lo, hi = self.BANDS[self.value()]
            return queryset.filter(confidence__gte=lo, confidence__lt=hi)
        return queryset


class ModelVersionFilter(admin.SimpleListFilter):
    title = "phiên bản mô hình"
    parameter_name = "phien_ban"

    def lookups(self, request, model_admin):
        versions = TagSuggestion.objects.order_by().values_list("model_version", flat=True).distinct()
        return [(v, v) for v in versions]

    def queryset(self, request, queryset):
        return queryset.filter(model_version=self.value()) if self.value() else queryset


REVIEW_MARGIN = 0.15   # |confidence - threshold| below this needs a person's eye
MARGIN = ExpressionWrapper(Abs(F("confidence") - F("threshold")), output_field=FloatField())


def needs_a_person(queryset):
    """Suggestions a person should look at, from the room's current analysis and not reviewed:
    the model is unsure (confidence within REVIEW_MARGIN of its threshold) and nobody settled that
    tag yet, or text and photos disagree, whoever must act (a landlord's confirmation the text now
    denies included), until an admin decides it."""
    current_job = TaggingJob.objects.done().filter(room=OuterRef("room")).newest_first().values("pk")[:1]
    decisions = RoomTag.objects.filter(room=OuterRef("room"), tag=OuterRef("tag"))
    settled = decisions.exclude(source=RoomTag.Source.AUTO).exclude(status=RoomTag.Status.NEEDS_RECHECK)
    by_admin = decisions.filter(source=RoomTag.Source.ADMIN)
    uncertain = Q(queue_margin__lt=REVIEW_MARGIN) & ~Exists(settled)
    conflict = ~Q(conflict="") & ~Exists(by_admin)
    return (queryset.alias(queue_margin=MARGIN)
            .filter(review=TagSuggestion.Review.PENDING, job=Subquery(current_job))
            .filter(uncertain | conflict))


class ConflictFilter(admin.SimpleListFilter):
    title = "văn bản và ảnh không khớp"
    parameter_name = "khong_khop"

    def lookups(self, request, model_admin):
        return [("co", "Có (mọi loại)"), *TagSuggestion._meta.get_field("conflict").choices]

    def queryset(self, request, queryset):
        if self.value() == "co":
            return queryset.exclude(conflict="")
        return queryset.filter(conflict=self.value()) if self.value() else queryset


class QueueFilter(admin.SimpleListFilter):
    """The review queue by default; "Tất cả" shows every suggestion."""
    title = "hàng chờ"
    parameter_name = "hang_cho"

    def lookups(self, request, model_admin):
        return [("can_nguoi", "Cần người xem"), ("tat_ca", "Tất cả gợi ý"),
                ("cu", "Của các phân tích cũ")]

    def value(self):
        return super().value() or "can_nguoi"

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {"selected": self.value() == value, "display": label,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}

    def queryset(self, request, queryset):
        if self.value() == "can_nguoi":
            return needs_a_person(queryset)
        superseded = Q(review=TagSuggestion.Review.SUPERSEDED)
        return queryset.filter(superseded) if self.value() == "cu" else queryset.exclude(superseded)


@admin.register(TagSuggestion)
class TagSuggestionAdmin(ModelCardMixin, admin.ModelAdmin):
    """Review queue: what needs a person, least certain first (|confidence - threshold|)."""
    list_display = ("room_short", "tag", "confidence_and_threshold", "margin_pct", "evidence_view", "conflict_note",
                    "review")
    list_display_links = ("tag",)
    list_filter = (QueueFilter, ConflictFilter, "review", ConfidenceBand, ModelVersionFilter, "source", "tag")
    search_fields = ("room__title", "tag__name")
    list_select_related = ("room", "tag")
    list_per_page = 30
    show_facets = admin.ShowFacets.NEVER
    actions = ["accept", "reject"]
    fields = ("room", "tag", "confidence_and_threshold", "margin_pct", "evidence_view", "conflict_note", "source",
              "model_version", "review", "reviewed_by", "reviewed_at", "created_at")
    readonly_fields = fields

    class Media:
        css = {"all": ["tagging/review.css"]}
        js = ["tagging/review-keys.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(margin=MARGIN).prefetch_related("room__images")

    def get_ordering(self, request):
        return [MARGIN.asc(), "-created_at"]

    @admin.display(description="phòng", ordering="room__title")
    def room_short(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:rooms_room_change", args=[obj.room_id]),
                           Truncator(obj.room.title).chars(48))

    @admin.display(description="tin cậy / ngưỡng", ordering="confidence")
    def confidence_and_threshold(self, obj):
        return f"{obj.confidence:.0%} / {obj.threshold:.0%}"

    @admin.display(description="độ chênh", ordering="margin")
    def margin_pct(self, obj):
        return f"{abs(obj.confidence - obj.threshold):.0%}"

    @admin.display(description="bằng chứng")
    def evidence_view(self, obj):
        """The room's photos (the one that drove the suggestion first) and its text with the
        evidence marked."""
        photos = list(obj.room.images.all())
        driving = obj.driving_photo(photos)
        ordered = ([driving] if driving else []) + [p for p in photos if p is not driving]
        thumbs = format_html_join("", '<a href="{}" target="_blank" rel="noopener" class="thumb{}"><img src="{}" '
                                      'alt="Ảnh {}" width="40" height="30"></a>',
                                  ((p.image.url, " driving" if p is driving else "", p.thumbnail_url, photos.index(p) + 1)
                                   for p in ordered[:3]))
        spans = [(e["start"], e["end"], obj.tag.name) for e in obj.evidence if "start" in e]
        if not spans and driving is not None:       # a photo alone: the photo is the evidence, not the text
            return format_html('<div class="review-evidence">{}<p class="snippet">Chỉ ảnh {} cho thấy.</p></div>',
                               thumbs, photos.index(driving) + 1)
        return format_html('<div class="review-evidence">{}<p class="snippet">{}</p></div>', thumbs,
                           snippet(obj.room.text_for_tagging, spans))

    @admin.display(description="không khớp", ordering="conflict")
    def conflict_note(self, obj):
        return obj.get_conflict_display() if obj.conflict else "—"

    # Both change rooms' tags: only for staff allowed to change suggestions (hidden from the others,
    # and refused if posted anyway).
    @admin.action(description="Chấp nhận (xác nhận đặc điểm cho phòng)", permissions=["change"])
    def accept(self, request, queryset):
        n = review_suggestions(queryset, request.user, accept=True)
        self.message_user(request, f"Đã chấp nhận {n} gợi ý.", messages.SUCCESS)

    @admin.action(description="Từ chối", permissions=["change"])
    def reject(self, request, queryset):
        n = review_suggestions(queryset, request.user, accept=False)
        self.message_user(request, f"Đã từ chối {n} gợi ý.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


def snippet(text: str, spans: list[tuple[int, int, str]], width: int = 70) -> str:
    """Up to ``width`` characters around the first evidence span, the evidence in <mark>."""
    if not spans:
        return Truncator(" ".join(text.split())).chars(width * 2)
    first = min(s for s, _, _ in spans)
    lo, hi = max(0, first - width), min(len(text), first + width)
    shifted = [(max(s, lo) - lo, min(e, hi) - lo, n) for s, e, n in spans if e > lo and s < hi]
    body = format_html_join("", "{}", ((format_html("<mark>{}</mark>", p.text) if p.tags else p.text,)
                                       for p in highlight(text[lo:hi], shifted)))
    return format_html("{}{}{}", "…" if lo else "", body, "…" if hi < len(text) else "")


class JobReasonFilter(admin.SimpleListFilter):
    title = "lý do"
    parameter_name = "ly_do"

    def lookups(self, request, model_admin):
        reasons = TaggingJob.objects.order_by().values_list("reason", flat=True).distinct()
        return [(r, wording.job_reason(r)) for r in sorted(reasons)]

    def queryset(self, request, queryset):
        return queryset.filter(reason=self.value()) if self.value() else queryset


@admin.register(TaggingJob)
class TaggingJobAdmin(ModelCardMixin, admin.ModelAdmin):
    list_display = ("number", "room_short", "status", "reason_shown", "attempts", "version_short", "mode_shown",
                    "created", "duration", "short_error")
    show_facets = admin.ShowFacets.NEVER
    list_filter = ("status", JobReasonFilter, "model_version")
    search_fields = ("room__title", "error")
    fields = [{"reason": "reason_shown", "mode": "mode_shown"}.get(f.name, f.name) for f in TaggingJob._meta.fields]
    readonly_fields = fields

    @admin.display(description="mã", ordering="id")
    def number(self, obj):
        return obj.pk

    @admin.display(description="lý do", ordering="reason")
    def reason_shown(self, obj):
        return wording.job_reason(obj.reason)

    @admin.display(description="chế độ", ordering="mode")
    def mode_shown(self, obj):
        return wording.mode(obj.mode)

    @admin.display(description="thời gian (ms)")
    def duration(self, obj):
        return obj.duration_ms

    @admin.display(description="lỗi")
    def short_error(self, obj):
        return format_html('<span title="{}">{}</span>', obj.error, Truncator(obj.error).chars(40)) if obj.error else ""

    @admin.display(description="phòng", ordering="room")
    def room_short(self, obj):
        return Truncator(str(obj.room)).chars(28)

    @admin.display(description="tạo lúc", ordering="created_at")
    def created(self, obj):
        from django.utils import timezone

        return timezone.localtime(obj.created_at).strftime("%d/%m %H:%M")

    @admin.display(description="phiên bản", ordering="model_version")
    def version_short(self, obj):
        """The checkpoint and the rules' hash on two short lines (the whole version on hover)."""
        checkpoint, _, rules = obj.model_version.partition("+")
        return format_html('<span title="{}">{}<br><small>{}</small></span>', obj.model_version, checkpoint, rules)

    class Media:
        css = {"all": ["tagging/review.css"]}

    def has_add_permission(self, request):
        return False


@admin.register(RoomTag)
class RoomTagAdmin(admin.ModelAdmin):
    list_display = ("room", "tag", "status", "source", "user", "note", "updated_at")
    show_facets = admin.ShowFacets.NEVER
    list_filter = ("status", "source", "tag")
    search_fields = ("room__title", "tag__name")
    raw_id_fields = ("room", "user")


def _model_card_or_none() -> dict | None:
    """The model in use (tagging.model_card); None when it cannot be loaded (the page still works)."""
    from .model_card import model_card

    try:
        return model_card()
    except Exception:
        return None
