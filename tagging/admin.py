from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.db.models import ExpressionWrapper, F, FloatField
from django.db.models.functions import Abs

from .decisions import review_suggestions
from .models import RoomTag, Tag, TaggingJob, TagSuggestion


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "group", "visual", "position")
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


@admin.register(TagSuggestion)
class TagSuggestionAdmin(admin.ModelAdmin):
    """Review queue: most uncertain first (confidence closest to the tag's threshold)."""
    list_display = ("room", "tag", "confidence_pct", "source", "evidence_text", "model_version", "review")
    list_filter = ("review", ConfidenceBand, ModelVersionFilter, "source", "tag")
    search_fields = ("room__title", "tag__name")
    list_select_related = ("room", "tag")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("room__images")
    actions = ["accept", "reject"]
    readonly_fields = ("room", "job", "tag", "confidence", "threshold", "evidence", "source", "model_version",
                       "reviewed_by", "reviewed_at", "created_at")

    def get_ordering(self, request):
        distance = ExpressionWrapper(Abs(F("confidence") - F("threshold")), output_field=FloatField())
        return [distance.asc(), "-created_at"]

    @admin.display(description="độ tin cậy", ordering="confidence")
    def confidence_pct(self, obj):
        return f"{obj.confidence:.0%}"

    @admin.display(description="bằng chứng")
    def evidence_text(self, obj):
        """The words behind the suggestion, and the thumbnail of the photo that drove it."""
        words = format_html_join(", ", "“{}”", ((e["text"],) for e in obj.evidence if "text" in e))
        photo = obj.driving_photo()
        if photo is None:
            return words
        url, number = photo.image.url, obj.photo_index + 1
        return format_html('{} <a href="{}" target="_blank" rel="noopener"><img src="{}" alt="Ảnh {}" '
                           'width="64" height="48" style="object-fit:cover;vertical-align:middle"> ảnh {}</a>',
                           words, url, url, number, number)

    @admin.action(description="Chấp nhận (xác nhận đặc điểm cho phòng)")
    def accept(self, request, queryset):
        n = review_suggestions(queryset, request.user, accept=True)
        self.message_user(request, f"Đã chấp nhận {n} gợi ý.", messages.SUCCESS)

    @admin.action(description="Từ chối")
    def reject(self, request, queryset):
        n = review_suggestions(queryset, request.user, accept=False)
        self.message_user(request, f"Đã từ chối {n} gợi ý.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(TaggingJob)
class TaggingJobAdmin(admin.ModelAdmin):
    list_display = ("id", "room", "status", "reason", "attempts", "model_version", "mode", "created_at",
                    "duration", "short_error")
    list_filter = ("status", "reason", "model_version")
    search_fields = ("room__title", "error")
    readonly_fields = [f.name for f in TaggingJob._meta.fields]

    @admin.display(description="thời gian (ms)")
    def duration(self, obj):
        return obj.duration_ms

    @admin.display(description="lỗi")
    def short_error(self, obj):
        return obj.error[:80]

    def has_add_permission(self, request):
        return False


@admin.register(RoomTag)
class RoomTagAdmin(admin.ModelAdmin):
    list_display = ("room", "tag", "status", "source", "user", "updated_at")
    list_filter = ("status", "source", "tag")
    search_fields = ("room__title", "tag__name")
    raw_id_fields = ("room", "user")
