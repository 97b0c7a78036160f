"""The tag vocabulary: slugs (stable ids), Vietnamese display names, groups and aliases.

The default vocabulary ships with the package (``mlcore/resources/taxonomy.json``); another file
with the same shape can be loaded with :meth:`TagVocabulary.from_file`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .text import fold_text, normalize_text

DEFAULT_TAXONOMY = Path(__file__).with_name("resources") / "taxonomy.json"


class UnknownTagError(KeyError):
    """A tag name or slug that is not in the vocabulary."""

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
    group: str
    visual: bool
    aliases: tuple[str, ...] = field(default=())


class TagVocabulary:
    """An ordered set of tags; ``resolve`` accepts a slug or a Vietnamese name (any accent style)."""

    def __init__(self, tags: list[Tag], version: int | str = 1):
        if len({t.slug for t in tags}) != len(tags):
            raise ValueError("duplicate tag slugs in vocabulary")
        self.tags = list(tags)
        self.version = version
        self._by_slug = {t.slug: t for t in tags}
        self._by_key: dict[str, Tag] = {}
        for t in tags:
            for key in (t.slug, t.name):
                self._by_key[normalize_text(key, expand=False, mask_phones=False)] = t
                self._by_key.setdefault(fold_text(key), t)

    @classmethod
    def from_file(cls, path: str | Path) -> "TagVocabulary":
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read tag taxonomy: {exc}") from exc
        try:
            tags = [Tag(slug=t["slug"], name=t["name"], group=t.get("group", ""),
                        visual=bool(t.get("visual", False)), aliases=tuple(t.get("aliases", ())))
                    for t in raw["tags"]]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: malformed taxonomy, every tag needs 'slug' and 'name' ({exc})") from exc
        return cls(tags, version=raw.get("version", 1))

    @property
    def slugs(self) -> list[str]:
        return [t.slug for t in self.tags]

    def __len__(self) -> int:
        return len(self.tags)

    def __iter__(self):
        return iter(self.tags)

    def __contains__(self, slug: object) -> bool:
        return slug in self._by_slug

    def __getitem__(self, slug: str) -> Tag:
        try:
            return self._by_slug[slug]
        except KeyError:
            raise UnknownTagError(f"unknown tag slug {slug!r}") from None

    def resolve(self, name_or_slug: str) -> Tag:
        """The tag whose slug or display name is ``name_or_slug`` (case, spacing and tone-mark
        placement ignored; an accent-free spelling is accepted when it is unambiguous)."""
        key = normalize_text(name_or_slug.strip(), expand=False, mask_phones=False)
        tag = self._by_key.get(key) or self._by_key.get(fold_text(name_or_slug.strip()))
        if tag is None:
            raise UnknownTagError(f"unknown tag {name_or_slug!r}")
        return tag


@lru_cache(maxsize=1)
def default_vocabulary() -> TagVocabulary:
    return TagVocabulary.from_file(DEFAULT_TAXONOMY)


# The taxonomy's groups as people read them (the filter sheet and the tag page show tags by group).
GROUP_NAMES = {
    "tien_nghi": "Tiện nghi", "noi_that": "Nội thất", "khong_gian": "Không gian", "toa_nha": "Tòa nhà",
    "an_ninh": "An ninh", "quy_dinh": "Giờ giấc & quy định", "dich_vu": "Dịch vụ", "vi_tri": "Vị trí",
    "chat_luong": "Chất lượng", "chi_phi": "Chi phí", "doi_tuong": "Đối tượng", "loai_phong": "Loại phòng",
}
