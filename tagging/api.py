import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes, throttle_classes
from rest_framework.generics import RetrieveAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from guard import RateThrottle
from photos.processing import process_photo

from .models import TaggingJob
from .services import PhotoSource, TextTooLong, suggest_tags

log = logging.getLogger(__name__)


class ExtractFeaturesThrottle(RateThrottle):
    """Per user, or per client address when anonymous (behind settings.TRUSTED_PROXIES); counted by
    the one rate limiter (guard.allow, in the shared cache: several web processes share one limit);
    the try page counts against the same limit.  An unreachable cache lets the request through."""
    scope = "extract_features"
    rate_setting = "EXTRACT_FEATURES_RATE"


def _error(message: str, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"success": False, "error": message}, status=code)


@extend_schema(
    request=inline_serializer("ExtractFeaturesRequest", {
        "description": serializers.CharField(help_text="listing text (Vietnamese)"),
        "image": serializers.ImageField(required=False, help_text="one photo of the room (JPEG/PNG/WebP)"),
    }),
    responses={200: inline_serializer("ExtractFeaturesResponse", {
        "success": serializers.BooleanField(),
        "features": inline_serializer("Feature", {
            "feature": serializers.CharField(), "slug": serializers.CharField(),
            "confidence": serializers.FloatField(), "evidence": serializers.ListField(child=serializers.DictField()),
        }, many=True),
        "mode": serializers.ChoiceField(choices=["text-only", "multimodal"]),
        "model_version": serializers.CharField(),
    })},
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
@permission_classes([AllowAny])
@throttle_classes([ExtractFeaturesThrottle])
def extract_features(request):
    """The seed's endpoint: features above threshold for a description and an optional photo."""
    description = request.data.get("description") or ""
    if not isinstance(description, str):          # sent as a file part, not a text field
        return _error("Trường 'description' phải là văn bản, không phải tệp.")
    description = description.strip()
    if not description:
        return _error("Thiếu mô tả (trường 'description' là bắt buộc).")
    if "image" in request.data and "image" not in request.FILES:
        return _error("Trường 'image' phải là một tệp ảnh.")
    photos = []
    upload = request.FILES.get("image")
    if upload is not None:
        try:
            photos = [PhotoSource.from_bytes(process_photo(upload).content)]
        except DjangoValidationError as exc:
            return _error(" ".join(exc.messages))
    try:
        result = suggest_tags(description, photos)
    except TextTooLong as exc:
        return _error(str(exc))
    except Exception:
        log.exception("extract-features failed")
        return _error("Không phân tích được mô tả lúc này; vui lòng thử lại.", status.HTTP_503_SERVICE_UNAVAILABLE)
    features = [{"feature": s.name, "slug": s.slug, "confidence": round(s.confidence, 4), "evidence": s.evidence}
                for s in result.suggestions if s.above_threshold]
    return Response({"success": True, "features": features, "mode": result.mode,
                     "model_version": result.model_version})


class JobSerializer(serializers.ModelSerializer):
    duration_ms = serializers.IntegerField(read_only=True)
    suggestions = serializers.SerializerMethodField()

    class Meta:
        model = TaggingJob
        fields = ["id", "room", "status", "reason", "attempts", "model_version", "mode", "created_at",
                  "started_at", "finished_at", "duration_ms", "suggestions"]

    def get_suggestions(self, job) -> int:
        return job.suggestions.count()


class JobDetail(RetrieveAPIView):
    """A tagging job of one of your rooms (staff see every job)."""
    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        jobs = TaggingJob.objects.all()
        return jobs if self.request.user.is_staff else jobs.filter(room__owner=self.request.user)
