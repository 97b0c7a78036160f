"""Vietnam's places, as data: the 34 provinces/cities and their wards (the official two-level
address since 1 July 2025), and the old provinces and districts people still say ("Quận 10",
"Bình Thạnh"), each mapped to the new province and to the new wards its wards became.

The data file ``rooms/data/vn_places.json`` is generated from the ``vietnamadminunits`` package by
``scripts/build_places_data.py`` (its source is named in the file).  Names are matched accent- and
case-insensitively, with the forms renters type: "q10", "q.10", "quận 10", "binh thanh", "tp hcm".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mlcore.text import fold_text

DATA_FILE = Path(__file__).resolve().parent / "data" / "vn_places.json"

# What people call the big cities besides their official names.
EXTRA_PROVINCE_ALIASES = {
    "79": ["tp hcm", "tphcm", "tp ho chi minh", "sai gon", "saigon", "sg", "hcm", "ho chi minh"],
    "01": ["hn", "ha noi", "hanoi", "tp ha noi"],
    "48": ["dn", "tp da nang"],
    "92": ["tp can tho"],
    "31": ["hp", "tp hai phong"],
}
_UNIT_PREFIX = re.compile(r"^(?:thanh pho|tinh|quan|huyen|thi xa|phuong|xa|dac khu|thi tran|tp)\s+")


def key(text: str) -> str:
    """Matching key: accent-free, lowercase, single-spaced, punctuation gone ("Q.10" -> "q 10")."""
    return " ".join(re.findall(r"[a-z0-9]+", fold_text(text or "")))


@dataclass(frozen=True)
class Province:
    code: str
    name: str              # "Thành phố Hồ Chí Minh"
    short: str             # "Hồ Chí Minh"


@dataclass(frozen=True)
class Ward:
    code: str
    province_code: str
    name: str              # "Phường Bến Thành"
    short: str


@dataclass(frozen=True)
class OldDistrict:
    """A district as it was before 1 July 2025; ``name`` is how the site shows it ("Quận 10",
    "Bình Thạnh")."""
    province_code: str     # the province it belongs to now
    old_province: str
    full_name: str         # "Quận Bình Thạnh"
    name: str
    ward_codes: frozenset[str]


class Places:
    def __init__(self, data: dict):
        self.source = data["source"]
        self.provinces = {c: Province(c, n, s) for c, n, s, _ in data["provinces"]}
        self.wards = {c: Ward(c, p, n, s) for c, p, n, s in data["wards"]}
        self.old_districts = [OldDistrict(p, op, n, s, frozenset(w)) for p, op, n, s, w in data["old_districts"]]
        self._province_keys: dict[str, str] = {}
        for code, name, short, aliases in data["provinces"]:
            for k in (name, short, *aliases, *EXTRA_PROVINCE_ALIASES.get(code, [])):
                self._province_keys[key(k)] = code
        for old, code in data["old_provinces"]:   # "Bình Dương" is part of TP HCM now
            self._province_keys.setdefault(key(old), code)
        self._district_keys: dict[str, list[OldDistrict]] = {}
        for d in self.old_districts:
            for k in self._district_forms(d):
                self._district_keys.setdefault(k, []).append(d)
        self._ward_keys: dict[str, list[Ward]] = {}
        for w in self.wards.values():
            for k in self._ward_forms(w):
                self._ward_keys.setdefault(k, []).append(w)
        self._longest = max(len(k.split()) for k in (*self._province_keys, *self._district_keys, *self._ward_keys))

    @staticmethod
    def _district_forms(d: OldDistrict) -> set[str]:
        full, short = key(d.full_name), key(d.name)
        m = re.fullmatch(r"quan (\d+)", short)
        if m:    # numbered districts are only ever "quận N": "10" alone is not a place
            n = m.group(1)
            return {f"quan {n}", f"q {n}", f"q{n}"}
        forms = {full, short, _UNIT_PREFIX.sub("", full)}
        if full.startswith("quan "):
            forms.add("q " + short)
        if full.startswith("thanh pho "):
            forms.add("tp " + short)
        return forms

    @staticmethod
    def _ward_forms(w: Ward) -> set[str]:
        full, short = key(w.name), key(w.short)
        m = re.fullmatch(r"(?:phuong|xa) (\d+)", full)
        if m:
            return {full, f"p {m.group(1)}", f"p{m.group(1)}"}
        forms = {full}
        if full.startswith("phuong "):
            forms.add("p " + short)
        return forms | {short}

    # -- lookups -------------------------------------------------------------------------------
    def province(self, text_or_code: str) -> Province | None:
        if text_or_code in self.provinces:
            return self.provinces[text_or_code]
        code = self._province_keys.get(key(text_or_code))
        return self.provinces.get(code) if code else None

    def districts(self, text: str, province_code: str | None = None) -> list[OldDistrict]:
        found = self._district_keys.get(key(text), [])
        return [d for d in found if not province_code or d.province_code == province_code]

    def wards_named(self, text: str, province_code: str | None = None) -> list[Ward]:
        found = self._ward_keys.get(key(text), [])
        return [w for w in found if not province_code or w.province_code == province_code]

    def old_districts_of(self, province_code: str) -> list[OldDistrict]:
        return sorted((d for d in self.old_districts if d.province_code == province_code),
                      key=lambda d: (not d.name.startswith("Quận "), _natural(d.name)))

    def wards_of(self, province_code: str, district: str = "") -> list[Ward]:
        """The province's wards; with an old ``district`` name, only the new wards its wards became
        (all of the province's when the name is not one of its districts)."""
        wards = [w for w in self.wards.values() if w.province_code == province_code]
        inside = [d for d in self.districts(district, province_code)] if district.strip() else []
        if inside:
            codes = set().union(*(d.ward_codes for d in inside))
            wards = [w for w in wards if w.code in codes] or wards
        return sorted(wards, key=lambda w: _natural(w.name))

    # -- free text -----------------------------------------------------------------------------
    def find(self, text: str, bare_wards: bool = False) -> "PlaceMatch":
        """Places named in ``text`` (an address or a search box): the province, an old district
        and a ward, longest names first, with the words that named them ((start, end, label) in
        ``key(text)``'s word positions).  A ward counts only with its "phường/xã" unless
        ``bare_wards`` (a search box, where "thảo điền" means the ward; in an address a bare
        name is more often a street)."""
        words = key(text).split()
        match = PlaceMatch()
        used = [False] * len(words)
        for size in range(min(self._longest, len(words)), 0, -1):
            for i in range(len(words) - size + 1):
                if any(used[i:i + size]):
                    continue
                k = " ".join(words[i:i + size])
                label = None
                if match.province is None and k in self._province_keys:
                    match.province = self.provinces[self._province_keys[k]]
                    label = match.province.short
                elif not match.districts and k in self._district_keys:
                    match.districts = self._district_keys[k]
                    label = match.districts[0].name
                elif not match.wards and k in self._ward_keys and (_is_explicit_ward(k) or (bare_wards and size > 1)):
                    match.wards = self._ward_keys[k]
                    label = match.wards[0].name
                if label:
                    match.words.append((i, i + size, label))
                    for j in range(i, i + size):
                        used[j] = True
        match.narrow()
        return match


@dataclass
class PlaceMatch:
    province: Province | None = None
    districts: list[OldDistrict] = None
    wards: list[Ward] = None
    words: list[tuple[int, int]] = None

    def __post_init__(self):
        self.districts = list(self.districts or [])
        self.wards = list(self.wards or [])
        self.words = list(self.words or [])

    def narrow(self) -> None:
        """Keep the candidates that agree with each other (a district of the named province...)."""
        if self.province:
            self.districts = [d for d in self.districts if d.province_code == self.province.code]
            self.wards = [w for w in self.wards if w.province_code == self.province.code]
        if self.districts and self.wards:
            inside = [w for w in self.wards if any(w.code in d.ward_codes for d in self.districts)]
            self.wards = inside or self.wards
        if self.province is None:
            codes = {d.province_code for d in self.districts} | {w.province_code for w in self.wards}
            if len(codes) == 1:
                self.province = PLACES().provinces[codes.pop()]

    @property
    def district(self) -> OldDistrict | None:
        return self.districts[0] if len({d.name for d in self.districts}) == 1 and len(
            {d.province_code for d in self.districts}) == 1 else None

    @property
    def ward(self) -> Ward | None:
        return self.wards[0] if len(self.wards) == 1 else None


def _is_explicit_ward(k: str) -> bool:
    return k.startswith(("phuong ", "xa ", "p "))


def _natural(name: str):
    return [int(t) if t.isdigit() else key(t) for t in re.split(r"(\d+)", name)]


@lru_cache(maxsize=1)
def PLACES() -> Places:   # noqa: N802 - a loaded-once constant
    return Places(json.loads(DATA_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ResolvedPlace:
    province: Province | None
    district: OldDistrict | None
    ward: Ward | None


def resolve_place(city: str = "", district: str = "", address: str = "", ward: str = "") -> ResolvedPlace:
    """The official units a listing's place fields name: the province from ``city`` (or the
    address), the old district from ``district`` (or the address), the ward from ``ward`` (or a
    "Phường …/Xã …" in the address) where it lies in that district.  Unknown parts are None."""
    places = PLACES()
    # Names are read from all the fields together: imported rows put a district in the city field
    # ("Q.Tân Bình") or a street in the district field often enough.
    everything = ", ".join(p for p in (address, district, city) if p)
    in_address = places.find(everything) if everything else PlaceMatch()
    province = places.province(city) if city else None
    province = province or in_address.province
    districts = places.districts(district, province.code if province else None) if district else []
    if not districts and district:       # "Quận Bình Thạnh, TP HCM" typed in the district box
        districts = places.find(district).districts
    if not districts:
        districts = [d for d in in_address.districts if not province or d.province_code == province.code]
    found_district = districts[0] if len({(d.name, d.province_code) for d in districts}) == 1 else None
    if province is None and found_district:
        province = places.provinces[found_district.province_code]
    wards = places.wards_named(ward, province.code if province else None) if ward else []
    if not wards:
        wards = [w for w in in_address.wards if _is_explicit_ward(key(w.name))]
        wards = [w for w in wards if not province or w.province_code == province.code]
    if found_district:
        wards = [w for w in wards if w.code in found_district.ward_codes] or ([] if not ward else wards)
    found_ward = wards[0] if len(wards) == 1 else None
    if province is None and found_ward:
        province = places.provinces[found_ward.province_code]
    return ResolvedPlace(province, found_district, found_ward)
