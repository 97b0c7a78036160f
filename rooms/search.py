"""Renter search, shared by the search page and /api/rooms/: the same filters, the same results.

Free text is accent-insensitive: on PostgreSQL through the ``unaccent`` extension, elsewhere
through the accent-free ``Room.search_text`` kept on save.  Only confirmed tags are searchable.
"""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from mlcore.text import fold_text
from tagging.models import RoomTag, Tag

from .models import Room, RoomImage, normalize_district
from .pricing import PriceError, parse_price_vnd

SORTS = {
    "moi_nhat": ("Mới nhất", ["-created_at", "-id"]),
    "gia_tang": ("Giá thấp → cao", ["price_vnd", "-created_at"]),
    "gia_giam": ("Giá cao → thấp", ["-price_vnd", "-created_at"]),
}


class PriceFilterField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_price_vnd(value)
        except PriceError as exc:
            raise forms.ValidationError(str(exc)) from None


class SearchForm(forms.Form):
    q = forms.CharField(label="Tìm", required=False, max_length=200,
                        widget=forms.TextInput(attrs={"placeholder": "điều hòa, gần trường…", "type": "search"}))
    gia_tu = PriceFilterField(label="Giá từ", required=False, max_length=40)
    gia_den = PriceFilterField(label="Giá đến", required=False, max_length=40)
    dien_tich_tu = forms.DecimalField(label="Diện tích từ (m²)", required=False, min_value=0, max_digits=7,
                                      decimal_places=1)
    dien_tich_den = forms.DecimalField(label="Diện tích đến (m²)", required=False, min_value=0, max_digits=7,
                                       decimal_places=1)
    quan = forms.CharField(label="Quận/huyện", required=False, max_length=100)
    dac_diem = forms.MultipleChoiceField(label="Đặc điểm", required=False, widget=forms.CheckboxSelectMultiple)
    sap_xep = forms.ChoiceField(label="Sắp xếp", required=False, choices=[(k, v[0]) for k, v in SORTS.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dac_diem"].choices = list(Tag.objects.values_list("slug", "name"))


def _text_filter(qs: QuerySet, q: str) -> QuerySet:
    for word in fold_text(q).split():
        if connection.vendor == "postgresql":
            qs = qs.filter(Q(title__unaccent__icontains=word) | Q(description__unaccent__icontains=word)
                           | Q(address__unaccent__icontains=word) | Q(district__unaccent__icontains=word)
                           | Q(city__unaccent__icontains=word))
        else:
            qs = qs.filter(search_text__contains=word)
    return qs


def search_rooms(data: dict) -> tuple[QuerySet, list[str]]:
    """(rooms matching the cleaned SearchForm data, the slugs it required)."""
    qs = Room.objects.filter(is_listed=True)
    if data.get("q"):
        qs = _text_filter(qs, data["q"])
    if data.get("gia_tu") is not None:
        qs = qs.filter(price_vnd__gte=data["gia_tu"])
    if data.get("gia_den") is not None:
        qs = qs.filter(price_vnd__lte=data["gia_den"])
    if data.get("dien_tich_tu") is not None:
        qs = qs.filter(area_m2__gte=Decimal(data["dien_tich_tu"]))
    if data.get("dien_tich_den") is not None:
        qs = qs.filter(area_m2__lte=Decimal(data["dien_tich_den"]))
    if data.get("quan"):
        qs = qs.filter(district__iexact=normalize_district(data["quan"]))
    slugs = list(data.get("dac_diem") or [])
    for slug in slugs:  # every tag required (AND): one join per tag
        qs = qs.filter(pk__in=RoomTag.objects.filter(tag__slug=slug, status=RoomTag.Status.CONFIRMED)
                       .values("room_id"))
    order = SORTS.get(data.get("sap_xep") or "moi_nhat", SORTS["moi_nhat"])[1]
    return qs.order_by(*order), slugs


def tag_counts(rooms: QuerySet) -> dict[str, int]:
    """How many of ``rooms`` carry each confirmed tag: {slug: count}."""
    rows = (RoomTag.objects.filter(room__in=rooms.order_by().values("pk"), status=RoomTag.Status.CONFIRMED)
            .values("tag__slug").annotate(n=Count("room", distinct=True)))
    return {r["tag__slug"]: r["n"] for r in rows}


def districts() -> list[str]:
    return list(Room.objects.filter(is_listed=True).order_by("district")
                .values_list("district", flat=True).distinct())


def with_listing_details(rooms: QuerySet) -> QuerySet:
    """Photos and confirmed tags (as ``room.confirmed``) fetched with the rooms, for lists and API."""
    confirmed = (RoomTag.objects.filter(status=RoomTag.Status.CONFIRMED).select_related("tag")
                 .order_by("tag__position"))
    return rooms.prefetch_related(Prefetch("images", queryset=RoomImage.objects.order_by("position", "id")),
                                  Prefetch("room_tags", queryset=confirmed, to_attr="confirmed"))
