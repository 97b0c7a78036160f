"""The one room-type vocabulary: the site's room types (a room's ``room_type``, the filter, the
API's ``loai``), their Vietnamese names and the words a renter or landlord uses for each (folded,
accent-free).  Two are also taxonomy tags (group ``loai_phong``): a room carrying the tag is of that
type for search too.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vocab import default_vocabulary


@dataclass(frozen=True)
class RoomType:
    slug: str
    label: str
    words: str          # a regex over folded text


ROOM_TYPE_LIST = (
    RoomType("phong_tro", "Phòng trọ", r"phong tro|nha tro|phong cho thue"),
    RoomType("can_ho_mini", "Căn hộ mini", r"can ho mini|chung cu mini|can ho dich vu|can ho|studio"),
    RoomType("nha_nguyen_can", "Nhà nguyên căn", r"nha nguyen can|nguyen can|nha rieng|nha cho thue"),
    RoomType("o_ghep", "Ở ghép", r"o ghep|tim nguoi o ghep|share phong|ky tuc xa|sleepbox|homestay"),
)
ROOM_TYPES = {t.slug: t.words for t in ROOM_TYPE_LIST}
# Room types that are also tags of the taxonomy's "loai_phong" group.
TAG_ROOM_TYPES = frozenset(t.slug for t in default_vocabulary() if t.group == "loai_phong") & set(ROOM_TYPES)
