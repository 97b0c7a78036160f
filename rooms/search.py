"""Renter search, shared by the search page and /api/rooms/: the same filters, the same results.

The search box is read like a listing (``tagging.services.read_search_query``): the features it
names become tag filters (AND), "không máy lạnh" excludes one, prices, areas, room types and
places become filters, and the words left over search the stored accent-free text
(``Room.search_text``): through a GIN full-text index on PostgreSQL, by word-start matching on
SQLite, with the same results.  When nothing in the box was understood as a filter, every
leftover word is required; otherwise leftover words only rank the results.  Explicit filters
(the filter sheet, the API's parameters) and what the box said both apply.  Only confirmed tags
are searchable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.paginator import Page, Paginator
from django.db import connection
from django.contrib.postgres.search import SearchQuery
from django.db.models import BooleanField, Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from mlcore.vocab import GROUP_NAMES
from mlcore.query import ABOUT_AREA, ABOUT_PRICE, STOPWORDS, TAG_ROOM_TYPES, ParsedQuery
from mlcore.text import fold_chars
from tagging.models import RoomTag, Tag
from tagging.services import read_search_query

from .models import Room, RoomImage, RoomType
from .places import PLACES, OldDistrict, Ward, key
from .pricing import PriceError, format_price_vnd, parse_price_vnd

SORTS = {
    "lien_quan": ("Phù hợp nhất", ["-relevance", "-created_at", "-id"]),
    "moi_nhat": ("Mới nhất", ["-created_at", "-id"]),
    "gia_tang": ("Giá thấp → cao", ["price_vnd", "-created_at"]),
    "gia_giam": ("Giá cao → thấp", ["-price_vnd", "-created_at"]),
}

TAG_GROUPS = GROUP_NAMES


class PriceFilterField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_price_vnd(value)
        except PriceError as exc:
            raise forms.ValidationError(str(exc)) from None


class TagFilterField(forms.MultipleChoiceField):
    """Repeated ``dac_diem``: duplicates folded, unknown slugs dropped (a link from an older
    vocabulary still searches), and at most as many values as the vocabulary has tags, so that a
    request's cost is bounded whatever its URL repeats."""

    def clean(self, value):
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        if len(values) > len(self.choices):
            raise forms.ValidationError(f"Chọn tối đa {len(self.choices)} đặc điểm (bạn gửi {len(values)}).")
        known = {str(slug) for slug, _ in self.choices}
        return list(dict.fromkeys(v for v in values if isinstance(v, str) and v in known))


class SearchForm(forms.Form):
    q = forms.CharField(label="Tìm", required=False, max_length=200,
                        widget=forms.TextInput(attrs={"placeholder": "máy lạnh, q10, dưới 3tr",
                                                      "type": "search", "enterkeyhint": "search"}))
    gia_tu = PriceFilterField(label="Giá từ", required=False, max_length=40)
    gia_den = PriceFilterField(label="Giá đến", required=False, max_length=40)
    dien_tich_tu = forms.DecimalField(label="Diện tích từ (m²)", required=False, min_value=0, max_digits=7,
                                      decimal_places=1)
    dien_tich_den = forms.DecimalField(label="Diện tích đến (m²)", required=False, min_value=0, max_digits=7,
                                       decimal_places=1)
    tinh = forms.ChoiceField(label="Tỉnh/thành phố", required=False)
    quan = forms.CharField(label="Quận/huyện (cũ)", required=False, max_length=100)
    phuong = forms.CharField(label="Phường/xã", required=False, max_length=100)
    loai = forms.ChoiceField(label="Loại phòng", required=False, choices=[("", "Tất cả"), *RoomType.choices])
    so_nguoi = forms.IntegerField(label="Số người ở", required=False, min_value=1, max_value=50)
    coc_den = PriceFilterField(label="Cọc tối đa", required=False, max_length=40)
    dac_diem = TagFilterField(label="Đặc điểm", required=False, widget=forms.CheckboxSelectMultiple)
    sap_xep = forms.ChoiceField(label="Sắp xếp", required=False, choices=[(k, v[0]) for k, v in SORTS.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dac_diem"].choices = list(Tag.objects.values_list("slug", "name"))
        self.fields["tinh"].choices = [("", "Cả nước")] + [(p.code, p.short) for p in PLACES().provinces.values()]

    def clean(self):
        """No parameter may repeat more often than ``dac_diem`` may (the vocabulary's size): the
        others take one value, and a URL repeating them thousands of times is refused, not read."""
        cleaned = super().clean()
        limit = max(len(self.fields["dac_diem"].choices), 1)
        lists = self.data.lists() if hasattr(self.data, "lists") else []
        for name, values in lists:
            if name != "dac_diem" and len(values) > limit:
                self.add_error(name if name in self.fields else None,
                               f"Tham số “{name[:30]}” lặp lại {len(values)} lần (tối đa {limit}).")
        return cleaned


@dataclass
class Chip:
    """One understood filter, shown as "Điều hòa ×": ``remove`` is the query string without it."""
    label: str
    remove: str
    negative: bool = False


@dataclass
class RenterQuery:
    """Everything a search asks for, from the filters and the box together."""
    tags: list[str] = field(default_factory=list)
    excluded_tags: list[str] = field(default_factory=list)
    price: tuple[int | None, int | None] = (None, None)
    area: tuple[float | None, float | None] = (None, None)
    room_type: str = ""
    province_code: str = ""
    districts: list[OldDistrict] = field(default_factory=list)
    wards: list[Ward] = field(default_factory=list)
    max_deposit: int | None = None
    occupants: int | None = None
    words: list[str] = field(default_factory=list)
    words_required: bool = True
    near: list[str] = field(default_factory=list)      # named places to be near ("bach khoa"): in the text or address
    prefer_type: str = ""        # a room type typed in the box: ranks (only the sheet's choice filters)
    sort: str = "moi_nhat"
    sort_chosen: bool = False     # the renter picked the sort (else it follows the box)
    chips: list[Chip] = field(default_factory=list)
    parsed: ParsedQuery | None = None

    def as_dict(self) -> dict:
        """The parsed query, as the API returns it with the results."""
        return {
            "text": self.parsed.text if self.parsed else "",
            "tags": self.tags, "excluded_tags": self.excluded_tags,
            "price_vnd": {"min": self.price[0], "max": self.price[1]},
            "area_m2": {"min": self.area[0], "max": self.area[1]},
            "room_type": self.room_type or None, "province_code": self.province_code or None,
            "districts": sorted({d.name for d in self.districts}), "wards": [w.name for w in self.wards],
            "max_deposit_vnd": self.max_deposit, "occupants": self.occupants,
            "words": self.words, "words_required": self.words_required, "near": self.near,
            "prefer_type": self.prefer_type or None, "sort": self.sort,
            "understood": [c.label for c in self.chips],
        }


def _tighter(a: tuple, b: tuple) -> tuple:
    lo = max((x for x in (a[0], b[0]) if x is not None), default=None)
    hi = min((x for x in (a[1], b[1]) if x is not None), default=None)
    return lo, hi


def _range_label(kind: str, rng: tuple) -> str:
    """"≤ 3,5 triệu", "20 m² – 30 m²", and "khoảng 3,5 triệu" for what the box read as about a value
    ("3tr5", "tầm 3tr5": ± ABOUT_PRICE)."""
    fmt = (lambda v: format_price_vnd(int(v))) if kind == "price" else (lambda v: f"{v:g} m²")
    lo, hi = rng
    about, step = (ABOUT_PRICE, 1000) if kind == "price" else (ABOUT_AREA, 0.5)
    if lo is not None and hi is not None and lo > 0:
        center = (lo + hi) / 2
        if abs(lo - center * (1 - about)) <= step and abs(hi - center * (1 + about)) <= step:
            return f"khoảng {fmt(round(center, -3) if kind == 'price' else round(center, 1))}"
    if lo is not None and hi is not None:
        return f"{fmt(lo)} – {fmt(hi)}"
    return f"≤ {fmt(hi)}" if hi is not None else f"≥ {fmt(lo)}"


def _without(params: QueryDict, *names: str, value: str | None = None, q: str | None = None) -> str:
    """The query string without ``names`` (or only without ``value`` of them), ``q`` replaced."""
    out = params.copy()
    out.pop("trang", None)
    for name in names:
        if value is None:
            out.pop(name, None)
        else:
            out.setlist(name, [v for v in out.getlist(name) if v != value])
    if q is not None:
        out["q"] = q
    return out.urlencode()


def _cut(text: str, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", (text[:start] + " " + text[end:])).strip(" ,;")


def _span_of_words(text: str, words: list[str]) -> tuple[int, int] | None:
    """Where the accent-free ``words`` stand in ``text`` (for cutting a place out of the box)."""
    folded = fold_chars(text.lower())
    m = re.search(r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"(?![a-z0-9])", folded)
    return m.span() if m else None


def understand(data: dict, params: QueryDict) -> RenterQuery:
    """Combine the cleaned SearchForm ``data`` with what its box says; ``params`` (the request's
    query) builds each chip's removal link."""
    rq = RenterQuery()
    tags = {t.slug: t.name for t in Tag.objects.all()}
    places = PLACES()
    for slug in data.get("dac_diem") or []:
        rq.tags.append(slug)
        rq.chips.append(Chip(tags.get(slug, slug), _without(params, "dac_diem", value=slug)))
    if data.get("gia_tu") is not None or data.get("gia_den") is not None:
        rq.price = (data.get("gia_tu"), data.get("gia_den"))
    if data.get("dien_tich_tu") is not None or data.get("dien_tich_den") is not None:
        rq.area = tuple(None if v is None else float(v) for v in (data.get("dien_tich_tu"), data.get("dien_tich_den")))
    rq.room_type = data.get("loai") or ""
    rq.province_code = data.get("tinh") or ""
    if data.get("quan"):
        rq.districts = places.districts(data["quan"], rq.province_code or None)
        if not rq.districts:
            rq.words_required, rq.words = True, key(data["quan"]).split()
        rq.chips.append(Chip(data["quan"], _without(params, "quan")))
    if data.get("phuong"):
        ward = places.wards.get(data["phuong"])
        rq.wards = [ward] if ward else places.wards_named(data["phuong"], rq.province_code or None)
        rq.chips.append(Chip(rq.wards[0].name if len(rq.wards) == 1 else data["phuong"], _without(params, "phuong")))
    rq.max_deposit, rq.occupants = data.get("coc_den"), data.get("so_nguoi")
    if rq.price != (None, None):
        rq.chips.append(Chip(_range_label("price", rq.price), _without(params, "gia_tu", "gia_den")))
    if rq.area != (None, None):
        rq.chips.append(Chip(_range_label("area", rq.area),
                             _without(params, "dien_tich_tu", "dien_tich_den")))
    if rq.room_type:
        rq.chips.append(Chip(RoomType(rq.room_type).label, _without(params, "loai")))
    if rq.province_code:
        rq.chips.append(Chip(places.provinces[rq.province_code].short, _without(params, "tinh")))
    if rq.max_deposit is not None:
        rq.chips.append(Chip(f"Cọc ≤ {format_price_vnd(rq.max_deposit)}", _without(params, "coc_den")))
    if rq.occupants:
        rq.chips.append(Chip(f"{rq.occupants} người", _without(params, "so_nguoi")))

    q = data.get("q") or ""
    if q.strip():
        _understand_box(rq, q, params, tags)
    # The renter's choice, else relevance when words were typed (newest first otherwise).
    typed = bool((data.get("q") or "").strip())      # anything typed in the box: relevance (ties: newest)
    rq.sort = data.get("sap_xep") or ("lien_quan" if typed or rq.words or rq.near or rq.prefer_type else "moi_nhat")
    rq.sort_chosen = bool(data.get("sap_xep"))
    return rq


def _understand_box(rq: RenterQuery, q: str, params: QueryDict, tags: dict[str, str]) -> None:
    parsed = rq.parsed = read_search_query(q)
    places = PLACES()
    for part in parsed.parts:
        remove = _without(params, "q", q=_cut(q, part.start, part.end))
        if part.kind == "tag" and part.value not in rq.tags:
            rq.tags.append(part.value)
            rq.chips.append(Chip(tags.get(part.value, part.value), remove))
        elif part.kind == "not_tag" and part.value not in rq.excluded_tags:
            rq.excluded_tags.append(part.value)
            rq.chips.append(Chip(f"Không {tags.get(part.value, part.value).lower()}", remove, negative=True))
        elif part.kind == "price":
            rq.price = _tighter(rq.price, part.value)
            rq.chips.append(Chip(_range_label("price", part.value), remove))
        elif part.kind == "area":
            rq.area = _tighter(rq.area, part.value)
            rq.chips.append(Chip(_range_label("area", part.value), remove))
        elif part.kind == "room_type" and not rq.room_type and not rq.prefer_type:
            rq.prefer_type = part.value        # "phòng trọ" typed ranks; the sheet's "Loại phòng" filters
            rq.chips.append(Chip(f"Ưu tiên {RoomType(part.value).label.lower()}", remove))
        elif part.kind == "near" and part.value not in rq.near:
            rq.near.append(part.value)
            said = q[part.start:part.end].strip()
            rq.chips.append(Chip(said[:1].upper() + said[1:], remove))
    found = places.find(parsed.leftover, bare_wards=True)
    words = key(parsed.leftover).split()
    used = set()
    for start, end, _ in found.words:
        used.update(range(start, end))
    if found.province and not rq.province_code:
        rq.province_code = found.province.code
    if found.districts and not rq.districts:
        rq.districts = found.districts
    if found.wards and not rq.wards:
        rq.wards = found.wards
    for start, end, label in sorted(found.words):
        span = _span_of_words(q, words[start:end])
        rq.chips.append(Chip(label, _without(params, "q", q=_cut(q, *span) if span else q)))
    leftover = [w for i, w in enumerate(words) if i not in used and w not in STOPWORDS]
    understood = bool(parsed.parts or found.words or rq.chips)
    rq.words = rq.words + leftover
    rq.words_required = not understood


def _confirmed(tag_ids: dict[str, int], slug: str):
    """Rooms with ``slug`` confirmed, by tag id (so PostgreSQL's statistics see which tag it is)."""
    return RoomTag.objects.filter(tag_id=tag_ids.get(slug, -1), status=RoomTag.Status.CONFIRMED).values("room_id")


def _with_confirmed(tag_ids: dict[str, int], slugs: list[str], every: bool):
    """Rooms with any of ``slugs`` confirmed, or with ``every`` one of them: one aggregate over the
    tag rows (one decision per room and tag, so a room qualifies when it has as many confirmed
    rows as tags asked).  One semi-join whatever the number of tags asked."""
    ids = sorted({tag_ids.get(slug, -1) for slug in slugs})
    if len(ids) == 1:          # one tag: by its id, as PostgreSQL's statistics know it
        return _confirmed(tag_ids, slugs[0])
    rows = RoomTag.objects.filter(tag_id__in=ids, status=RoomTag.Status.CONFIRMED).order_by()
    if every:
        rows = rows.values("room_id").annotate(n=Count("*")).filter(n=len(ids))
    return rows.values("room_id")


def _word_filter(qs: QuerySet, words: list[str]) -> QuerySet:
    """Rooms whose stored text has a word starting with each of ``words``."""
    if not words:
        return qs
    if connection.vendor == "postgresql":   # the stored vector and its GIN index (migration 0007)
        tsquery = " & ".join(f"{w}:*" for w in words)
        return qs.filter(search_vector=SearchQuery(tsquery, search_type="raw", config="simple"))
    for w in words:
        qs = qs.filter(search_text__contains=f" {w}")
    return qs


def _near_filter(qs: QuerySet, names: list[str]) -> QuerySet:
    """Rooms whose text or address names each place ("bach khoa": those words in a row)."""
    for name in names:
        words = name.split()
        if connection.vendor == "postgresql":   # a phrase query on the indexed vector
            tsquery = " <-> ".join(words[:-1] + [f"{words[-1]}:*"])
            qs = qs.filter(search_vector=SearchQuery(tsquery, search_type="raw", config="simple"))
        else:
            qs = qs.filter(search_text__contains=f" {' '.join(words)}")
    return qs


def search_rooms(rq: RenterQuery) -> QuerySet:
    """The listed rooms matching ``rq``, in its sort order."""
    qs = Room.objects.filter(is_listed=True)
    tag_ids = dict(Tag.objects.values_list("slug", "pk"))
    if rq.tags:  # every tag required (AND)
        qs = qs.filter(pk__in=_with_confirmed(tag_ids, rq.tags, every=True))
    if rq.excluded_tags:
        qs = qs.exclude(pk__in=_with_confirmed(tag_ids, rq.excluded_tags, every=False))
    if rq.room_type:
        same = Q(room_type=rq.room_type)
        qs = qs.filter(same | Q(pk__in=_confirmed(tag_ids, rq.room_type)) if rq.room_type in TAG_ROOM_TYPES else same)
    lo, hi = rq.price
    if lo is not None:
        qs = qs.filter(price_vnd__gte=lo)
    if hi is not None:
        qs = qs.filter(price_vnd__lte=hi)
    lo, hi = rq.area
    if lo is not None:
        qs = qs.filter(area_m2__gte=Decimal(str(lo)))
    if hi is not None:
        qs = qs.filter(area_m2__lte=Decimal(str(hi)))
    if rq.province_code:
        qs = qs.filter(province_code=rq.province_code)
    if rq.districts:
        where = Q()
        for d in rq.districts:
            where |= Q(province_code=d.province_code, district=d.name) | Q(ward_code__in=d.ward_codes)
        qs = qs.filter(where)
    if rq.wards:
        qs = qs.filter(ward_code__in=[w.code for w in rq.wards])
    if rq.max_deposit is not None:
        qs = qs.filter(Q(deposit_vnd__lte=rq.max_deposit) | Q(deposit_vnd__isnull=True))
    if rq.occupants:
        qs = qs.filter(Q(max_occupants__gte=rq.occupants) | Q(max_occupants__isnull=True))
    if rq.words_required:
        qs = _word_filter(qs, rq.words)
    qs = _near_filter(qs, rq.near)
    # How many of the words typed a room's text has (all of them when they are required), and the
    # room type typed (worth more than a word: it is what the renter asked for first).
    relevance = sum((Case(When(search_text__contains=f" {w}", then=1), default=0, output_field=IntegerField())
                     for w in rq.words), Value(0, output_field=IntegerField()))
    if rq.prefer_type:
        same = Q(room_type=rq.prefer_type)
        if rq.prefer_type in TAG_ROOM_TYPES:
            same |= Q(pk__in=_confirmed(tag_ids, rq.prefer_type))
        relevance = relevance + Case(When(same, then=5), default=0, output_field=IntegerField())
    order = SORTS.get(rq.sort, SORTS["moi_nhat"])[1]
    return qs.annotate(relevance=relevance).order_by(*order)


def result_page(rooms: QuerySet, number, per_page: int) -> tuple[Page, dict[str, int]]:
    """One page of result cards and the per-tag counts of the whole result, with the filters run
    once: the matching ids are read in order, the page's rooms fetched by id."""
    ids = list(rooms.values_list("pk", flat=True))
    page = Paginator(ids, per_page).get_page(number)
    by_id = {room.pk: room for room in for_cards(Room.objects.filter(pk__in=list(page.object_list)))}
    page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    return page, tag_counts(rooms, ids)


def tag_counts(rooms: QuerySet, ids: list[int] | None = None) -> dict[str, int]:
    """How many of ``rooms`` carry each confirmed tag: {slug: count}.  One decision per room and
    tag, so a plain count per tag id (an index-only scan of room_tag_room_status_tag).  On
    PostgreSQL, ``ids`` (the rooms' ids, already read) spares running the filters again; SQLite
    limits the parameters of a query, so it runs them as a subquery."""
    confirmed = RoomTag.objects.filter(status=RoomTag.Status.CONFIRMED)
    if ids is not None and connection.vendor == "postgresql":    # one array parameter, not 10,000
        confirmed = confirmed.filter(RawSQL('"tagging_roomtag"."room_id" = ANY(%s::bigint[])', [ids],
                                            output_field=BooleanField()))
    else:
        confirmed = confirmed.filter(room__in=rooms.order_by().values("pk"))
    rows = confirmed.order_by().values_list("tag_id").annotate(n=Count("*"))
    slugs = dict(Tag.objects.values_list("pk", "slug"))
    return {slugs[tag_id]: n for tag_id, n in rows if tag_id in slugs}


def tag_groups(counts: dict[str, int], selected: set[str]) -> list[tuple[str, list[tuple[Tag, int, bool]]]]:
    """The filter sheet's tag checkboxes, grouped as in the taxonomy: [(group name, [(tag, count, on)])]."""
    groups: dict[str, list] = {}
    for tag in Tag.objects.order_by("position"):
        groups.setdefault(tag.group, []).append((tag, counts.get(tag.slug, 0), tag.slug in selected))
    return [(TAG_GROUPS.get(g, g), rows) for g, rows in groups.items()]


def district_names(province_code: str = "") -> list[str]:
    """Old districts for the filter's typeahead: of one province, or those that have rooms."""
    if province_code:
        return [d.name for d in PLACES().old_districts_of(province_code)]
    return list(Room.objects.filter(is_listed=True).exclude(district="").order_by("district")
                .values_list("district", flat=True).distinct())


def for_cards(rooms: QuerySet) -> QuerySet:
    """What a result card shows: the room without its long texts (the search document), with its
    cover, photos and confirmed tags."""
    return with_listing_details(rooms.defer("search_text", "search_vector").select_related("cover"))


def with_listing_details(rooms: QuerySet) -> QuerySet:
    """Photos and confirmed tags (as ``room.confirmed``) fetched with the rooms, for lists and API."""
    confirmed = (RoomTag.objects.filter(status=RoomTag.Status.CONFIRMED).select_related("tag")
                 .order_by("tag__position"))
    return rooms.prefetch_related(Prefetch("images", queryset=RoomImage.objects.order_by("position", "id")),
                                  Prefetch("room_tags", queryset=confirmed, to_attr="confirmed"))
