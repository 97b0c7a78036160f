from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.exceptions import ValidationError

from .models import Room, RoomType
from .places import PLACES
from .search import SearchForm, search_rooms, understand, with_listing_details


class RoomSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    cover_photo = serializers.SerializerMethodField()
    zalo_url = serializers.CharField(read_only=True)

    class Meta:
        model = Room
        fields = ["id", "external_id", "title", "description", "room_type", "price_vnd", "area_m2", "deposit_vnd",
                  "electricity_price_vnd", "water_price_vnd", "water_price_unit", "max_occupants", "available_from",
                  "address", "ward", "ward_code", "district", "city", "province_code", "contact_phone", "zalo_url",
                  "is_listed", "created_at", "updated_at", "tags", "cover_photo", "photos", "url"]

    def get_tags(self, room) -> list[dict]:
        confirmed = getattr(room, "confirmed", None)
        if confirmed is None:
            return [{"slug": t.slug, "name": t.name} for t in room.confirmed_tags()]
        return [{"slug": rt.tag.slug, "name": rt.tag.name} for rt in confirmed]

    def get_photos(self, room) -> list[str]:
        request = self.context.get("request")
        urls = [img.image.url for img in room.images.all()]
        return [request.build_absolute_uri(u) for u in urls] if request else urls

    def get_cover_photo(self, room) -> str | None:
        request = self.context.get("request")
        cover = room.cover_photo
        if cover is None:
            return None
        return request.build_absolute_uri(cover.image.url) if request else cover.image.url

    def get_url(self, room) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(room.get_absolute_url()) if request else room.get_absolute_url()


SEARCH_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="what a renter types: features, prices, areas, room types "
                     "and places are understood as filters (returned as `query`); other words search the text"),
    OpenApiParameter("gia_tu", OpenApiTypes.STR, description="minimum monthly price (e.g. 3000000, 3tr)"),
    OpenApiParameter("gia_den", OpenApiTypes.STR, description="maximum monthly price"),
    OpenApiParameter("dien_tich_tu", OpenApiTypes.NUMBER, description="minimum area, m²"),
    OpenApiParameter("dien_tich_den", OpenApiTypes.NUMBER, description="maximum area, m²"),
    OpenApiParameter("tinh", OpenApiTypes.STR, description="province/city code (official, 2025)"),
    OpenApiParameter("quan", OpenApiTypes.STR, description="old (pre-2025) district name, e.g. Quận 10, Bình Thạnh"),
    OpenApiParameter("phuong", OpenApiTypes.STR, description="ward code or name"),
    OpenApiParameter("loai", OpenApiTypes.STR, enum=RoomType.values),
    OpenApiParameter("so_nguoi", OpenApiTypes.INT, description="people who will live there"),
    OpenApiParameter("coc_den", OpenApiTypes.STR, description="maximum deposit"),
    OpenApiParameter("dac_diem", OpenApiTypes.STR, many=True, description="tag slug; repeat for AND"),
    OpenApiParameter("sap_xep", OpenApiTypes.STR, enum=["lien_quan", "moi_nhat", "gia_tang", "gia_giam"]),
]


@extend_schema(parameters=SEARCH_PARAMETERS)
class RoomList(generics.ListAPIView):
    """Rooms with the search page's filters; only confirmed tags are searchable."""
    serializer_class = RoomSerializer

    def get_queryset(self):
        form = SearchForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        self.renter_query = understand(form.cleaned_data, self.request.query_params)
        return with_listing_details(search_rooms(self.renter_query))

    def list(self, request, *args, **kwargs):
        """The page of rooms, with ``query``: what the search understood."""
        response = super().list(request, *args, **kwargs)
        response.data["query"] = self.renter_query.as_dict()
        return response


@extend_schema(parameters=[OpenApiParameter("tinh", OpenApiTypes.STR, description="province name or code"),
                           OpenApiParameter("quan", OpenApiTypes.STR, description="old district: its new wards only")],
               responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def places(request):
    """Typeahead for place pickers: a province's old districts and its wards (official, 2025)."""
    province = PLACES().province(request.query_params.get("tinh", ""))
    if province is None:
        return Response({"success": False, "error": "Không tìm thấy tỉnh/thành phố."}, status=404)
    return Response({"province": {"code": province.code, "name": province.name, "short": province.short},
                     "districts": [d.name for d in PLACES().old_districts_of(province.code)],
                     "wards": [w.name for w in PLACES().wards_of(province.code, request.query_params.get("quan", ""))]})


class RoomDetail(generics.RetrieveAPIView):
    """One room; an unlisted room only for its owner and staff (404 for everyone else)."""
    serializer_class = RoomSerializer

    def get_queryset(self):
        return with_listing_details(Room.objects.visible_to(self.request.user))
