from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from .models import Room
from .search import SearchForm, search_rooms, with_listing_details


class RoomSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = ["id", "title", "description", "price_vnd", "area_m2", "address", "district", "city",
                  "contact_phone", "is_listed", "created_at", "updated_at", "tags", "photos", "url"]

    def get_tags(self, room) -> list[dict]:
        confirmed = getattr(room, "confirmed", None)
        if confirmed is None:
            return [{"slug": t.slug, "name": t.name} for t in room.confirmed_tags()]
        return [{"slug": rt.tag.slug, "name": rt.tag.name} for rt in confirmed]

    def get_photos(self, room) -> list[str]:
        request = self.context.get("request")
        urls = [img.image.url for img in room.images.all()]
        return [request.build_absolute_uri(u) for u in urls] if request else urls

    def get_url(self, room) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(room.get_absolute_url()) if request else room.get_absolute_url()


SEARCH_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="free text, accent-insensitive"),
    OpenApiParameter("gia_tu", OpenApiTypes.STR, description="minimum monthly price (e.g. 3000000, 3tr)"),
    OpenApiParameter("gia_den", OpenApiTypes.STR, description="maximum monthly price"),
    OpenApiParameter("dien_tich_tu", OpenApiTypes.NUMBER, description="minimum area, m²"),
    OpenApiParameter("dien_tich_den", OpenApiTypes.NUMBER, description="maximum area, m²"),
    OpenApiParameter("quan", OpenApiTypes.STR, description="district"),
    OpenApiParameter("dac_diem", OpenApiTypes.STR, many=True, description="tag slug; repeat for AND"),
    OpenApiParameter("sap_xep", OpenApiTypes.STR, enum=["moi_nhat", "gia_tang", "gia_giam"]),
]


@extend_schema(parameters=SEARCH_PARAMETERS)
class RoomList(generics.ListAPIView):
    """Rooms with the search page's filters; only confirmed tags are searchable."""
    serializer_class = RoomSerializer

    def get_queryset(self):
        form = SearchForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        rooms, _ = search_rooms(form.cleaned_data)
        return with_listing_details(rooms)


class RoomDetail(generics.RetrieveAPIView):
    """One room; an unlisted room only for its owner and staff (404 for everyone else)."""
    serializer_class = RoomSerializer

    def get_queryset(self):
        return with_listing_details(Room.objects.visible_to(self.request.user))
