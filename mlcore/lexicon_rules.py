"""The lexicon tagger's knowledge: how Vietnamese listings say each feature.

Patterns are regular expressions over the *normalised* text (see ``mlcore.text``: lowercase,
NFC, traditional tone placement, abbreviations expanded, so "wc riêng" arrives as
"nhà vệ sinh riêng" and "ko" as "không").  Word boundaries are added around every pattern, and
an accent-free twin of every pattern is matched against text typed without accents.

A rule may carry context conditions, each a regex over the same clause (a clause ends at a line
break or ``. ; ! ?``):

* ``before`` / ``not_before``: searched in the clause text that precedes the match
  (write ``\\s*$`` at the end for "immediately before");
* ``after`` / ``not_after``: matched at the start of the clause text that follows it.

``negatable=False`` marks phrases that contain a negation word themselves ("không chung chủ").
The taxonomy's aliases are rules too (confidence :data:`ALIAS_CONFIDENCE`), except those in
:data:`DROPPED_ALIASES`, which are ambiguous on their own and are covered by context rules here.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    pattern: str
    tags: tuple[str, ...]
    confidence: float = 0.9
    negatable: bool = True
    before: str | None = None
    not_before: str | None = None
    after: str | None = None
    not_after: str | None = None
    note: str = field(default="", compare=False)
    # Anywhere in the listing, this text vetoes the rule's tags (its words stay consumed).
    unless_text: str | None = None


@dataclass(frozen=True)
class ListingRule:
    """A tag that one phrase implies only given what the rest of the listing says.

    It fires when ``mention`` occurs (its span is the evidence), at least one of ``with_any_tag``
    was found by the phrase rules or ``with_any_text`` occurs somewhere, and ``unless_text``
    occurs nowhere.
    """
    tag: str
    mention: str
    with_any_tag: tuple[str, ...] = ()
    with_any_text: str | None = None
    unless_text: str | None = None
    confidence: float = 0.75


ALIAS_CONFIDENCE = 0.9

# Taxonomy aliases that mislead without context; each is handled by a rule below.
DROPPED_ALIASES = {
    "đh",            # mostly "đại học" in listings: the abbreviation step decides
    "ml",            # expanded to "máy lạnh" by the abbreviation step
    "gác",           # loft, but also "ba gác" (a cart), "người gác" (a guard)
    "mát",           # also "mát xa", "tủ mát"
    "thoáng",
    "rộng",          # also a kitchen, a yard, an alley, or a width in metres
    "sạch",          # also "nước sạch" (tap water)
    "trung tâm",     # also "trung tâm thương mại", "trung tâm tiếng anh"
    "dọn vào ở ngay",  # means "available now", not "fully furnished"
    "gần đh",        # "đh" is expanded before matching
    "nem",           # a spring roll when accents are present
    "nước nóng",     # "cây nước nóng lạnh" is a water dispenser: rule below
    "bảo vệ",
    "gia đình",
    "nhà xe",
    "sân thượng",
    "camera",
    "để xe",
    "bếp",
    "giường",
    "nệm",
    "đệm",
    "tivi", "tv", "ti vi", "smart tv",
    "internet",
    "ô tô vào",
}


def rule(pattern: str, *tags: str, conf: float = 0.9, neg: bool = True, before: str | None = None,
         not_before: str | None = None, after: str | None = None,
         not_after: str | None = None, unless_text: str | None = None) -> Rule:
    return Rule(pattern, tags, conf, neg, before, not_before, after, not_after, unless_text=unless_text)


def block(pattern: str) -> Rule:
    """A phrase that consumes its words without tagging, so shorter rules inside it cannot fire."""
    return Rule(pattern, (), 1.0, False)


# Words that put the following place "nearby": gần chợ, cách trường 5 phút, ngay cổng ĐH, ...
NEAR = (r"(?:gần|cách|ngay|sát|đối diện|kế|kế bên|cạnh|bên cạnh|liền kề|giáp|quanh|xung quanh|"
        r"lân cận|tiện|thuận tiện|thuận lợi|đi bộ|vài bước|bước chân|phút|\d+ ?(?:m|km|p|')(?!\w)|"
        r"tới|đến|qua|sang|về|cổng|dưới nhà|đầu hẻm|cuối hẻm|đầu ngõ|trước nhà|tầng trệt|"
        r"nằm trong khu|khu vực|near)")
_NEAR_BEFORE = rf"(?<!\w){NEAR}(?!\w)"

SCHOOL = (r"(?:trường(?: học| đại học| cao đẳng| thpt| thcs| tiểu học| mầm non| quốc tế| cấp \d)?|"
          r"đại học|học viện|cao đẳng|cđ|university|làng đại học|hutech|rmit|uef|ueh|iuh|huflit|"
          r"ftu|hcmute|spkt|uit|hcmus|huit|neu|hust|ptit|vnu|tôn đức thắng|văn lang|hoa sen|"
          r"bách khoa|ngoại thương|sư phạm|kinh tế quốc dân|y dược|nông lâm|công nghiệp|fpt)")
# "trường" inside other words or street names: thị trường, môi trường, đường Trường Chinh.
_NOT_SCHOOL_BEFORE = r"(?:thị|môi|quảng|hiện|lập|chiến|đường|phố|nông|sân|thao|kỳ|công)\s*$"
_NOT_SCHOOL_AFTER = r"\s*(?:sơn|chinh|sa|thọ|thạnh|định|tồn|hợp|kỳ|xuân|an|lưu|chính)(?!\w)"

STORE = (r"(?:chợ|siêu thị|cửa hàng tiện lợi|cửa hàng tạp hóa|tạp hóa|bách hóa xanh|bách hóa|"
         r"circle k|ministop|family ?mart|gs25|7[ -]?eleven|winmart\+?|vinmart\+?|co\.?op ?mart|"
         r"co\.?op ?food|coopmart|lotte ?mart|lotter mart|lotte|big c|aeon mall|aeon|emart|mega market|"
         r"trung tâm thương mại|vincom|mall|circle-k|siêu thi|co\. op (?:food|mart)|mini ?stop|vinmark|"
         r"cửa hàng (?:24h|tiện ích)|giga ?mall|co\.?op ?mark)")

DOWNTOWN = (r"(?:quận 1(?!\d|[.,]\d)|q\.? ?1(?!\d)|quận 3(?!\d)|q\.? ?3(?!\d)|bến thành|hoàn kiếm|phố cổ|"
            r"hồ gươm|nhà thờ đức bà|phố đi bộ|bùi viện|trung tâm thành phố|trung tâm quận)")
_DOWNTOWN_BEFORE = (r"(?<!\w)(?:gần|cách|ngay|sát|kế|cạnh|giáp|phút|tới|đến|qua|sang|di chuyển|đi|"
                    r"thuận tiện đi|liền kề)(?!\w)")

APPLIANCE_BEFORE = (r"(?:nội thất|giường|nệm|drap|máy lạnh|điều hòa|tủ|bàn|đồ|thiết bị|máy giặt|"
                    r"tivi|bếp|kệ|ghế|rèm|sofa|trang bị)(?:\s+\S+){0,2}\s*$")
# Parts of a home other than the room itself: "sân rộng", "bếp rộng", "hẻm rộng 6m".
_NOT_ROOM = (r"(?:sân|bếp|ban công|ban cộng|bancol|balcon|lô gia|gác|xe|hẻm|ngõ|đường|lối đi|hành lang|phơi|"
             r"cửa sổ|giường|hiên|khuôn viên|công viên|tòa nhà|nấu ăn|khu vực|"
             r"tủ|hầm|bãi|chiều|mở|cửa|cổng|kệ|sảnh|lề|vỉa hè|hồ|thượng|cầu thang|bàn|vệ sinh|tắm|"
             r"mặt bằng|mặt tiền|garage|vườn|view|ô ?tô|lavabo|"
             # train_gold: "phòng khách rộng rãi", "khu giặt sấy rộng rãi", "tầng trệt rộng rãi để xe",
             # "thang máy rộng rãi", "kiệt 4m rộng rãi", "giếng trời rộng rãi", "gát rộng"
             r"khách|giặt|sấy|trệt|thang máy|kiệt|chung cư|giếng trời|sofa|gát|giao thông)")
_ROOM = r"(?:phòng(?! tắm| vệ| bếp| khách)|căn|không gian|diện tích|studio)"
# ... either right before the adjective ("bếp rộng", "gác lửng rất rộng") or the subject of the
# list item it ends ("Nhà vệ sinh riêng, rộng rãi"), with no room word in between.
NOT_ROOM_BEFORE = (rf"{_NOT_ROOM}(?:\s+[^\s,]+){{0,3}}\s*$|"
                   rf"^\s*(?:[^\s,]+\s+){{0,2}}?{_NOT_ROOM}(?:(?!{_ROOM}).)*$")

# Common areas and streets called airy or cool ("sân thượng rộng rãi thoáng mát"): not the room.
_NOT_AIRY_ROOM = (r"(?:sân thượng|sân phơi|phơi đồ|phơi quần áo|chỗ để xe|nhà xe|bãi xe|lối đi|đường|hẻm|ngõ|"
                  r"hành lang|sân|"
                  # train_gold: "phòng tắm ... rộng thoáng", "hầm để xe rộng rãi và thoáng", "khuôn
                  # viên thoáng mát", "cây cối mát mẻ", "giữ không khí mát mẻ"
                  r"tắm|hầm|khuôn viên|cây|cối|không khí|không gian xanh)"
                  r"(?:\s+[^\s,]+){0,2}\s*$")

RULES: list[Rule] = [
    # --- tiện nghi ---------------------------------------------------------------------------
    rule(r"điều hòa(?: nhiệt độ)?|máy lạnh|máy điều hòa|air ?con|aircon", "dieu_hoa", conf=0.95),
    block(r"(?:cây|máy lọc|bình lọc|máy) nước(?: uống)? nóng lạnh|nước uống nóng lạnh"),
    rule(r"(?:bình |máy )?(?:nước )?nóng lạnh|(?:bình|máy) (?:tắm )?nước nóng|nước nóng(?: lạnh)?|"
         r"bình nóng|máy tắm nóng|năng lượng mặt trời|water heater", "nong_lanh", conf=0.9),
    # "rác, WF", "miễn phí wf", "phí dv wiff rác" (train_gold: 7 of 7 tagged wifi)
    rule(r"wifi|wi-fi|wi fi|wf|wiff?|internet|(?:mạng )?cáp quang|net|mạng (?:wifi|mạnh|tốc độ cao|free|"
         r"miễn phí|riêng|internet)", "wifi", conf=0.9),
    rule(r"tủ lạnh", "tu_lanh", conf=0.95),
    rule(r"máy giặt|giặt sấy|máy sấy|giặt ủi|giặt là|dịch vụ giặt|giặt (?:đồ )?(?:free|miễn phí)|"
         # laundry offered in other words (train_gold): "giặt riêng", "khu giặt", "free giặt đồ"
         r"giặt (?:riêng|chung|đồ|và sấy|& sấy)|giặt ?, ?sấy|khu (?:vực )?giặt|phòng giặt|"
         r"(?:free|miễn phí) giặt", "may_giat", conf=0.9),
    rule(r"giặt", "may_giat", conf=0.8, before=r"[,(+]\s*$", after=r"\s*(?:[,;).+]|$)"),
    # --- nội thất ----------------------------------------------------------------------------
    rule(r"giường(?: ngủ)?|nệm|đệm|giuong", "giuong", conf=0.85,
         not_after=r"\s*(?:tầng)", not_before=r"(?:tủ|kệ|đầu)\s*$"),
    rule(r"tủ (?:quần áo|áo|đồ|để đồ|âm tường|gỗ|riêng|quần)", "tu_quan_ao", conf=0.9),
    rule(r"tủ", "tu_quan_ao", conf=0.7,
         not_after=r"\s*(?:lạnh|bếp|giày|giầy|dép|sách|mát|đông|lavabo|lavabô|chén|bát|kệ tivi|"
                   r"tivi|điện|cơm|rượu|thờ|trang điểm|đầu giường|locker|hồ sơ|thuốc|nước|"
                   r"quần áo|áo|đồ|âm|gỗ|riêng|quần|để|kệ|sinh hoạt)"),
    rule(r"bàn (?:học|làm việc|ăn|ghế|gỗ|riêng|gấp|xếp)|ban hoc", "ban_hoc", conf=0.9),
    rule(r"bàn", "ban_hoc", conf=0.7, after=r"\s*(?:[,;/+&).\n-]|và(?!\w)|$)"),
    block(r"kệ tivi|tủ tivi|truyền hình cáp|cáp tivi|tivi cáp"),
    rule(r"(?:smart |android )?tivi|ti-vi|smart tv|television", "tivi", conf=0.9),
    rule(r"(?:kệ |tủ |nhà |phòng |khu )?bếp(?: từ| ga| điện| hồng ngoại| nấu| riêng| chung)?|"
         r"(?:khu |chỗ )?nấu (?:ăn|nướng)|được nấu|kitchen", "bep", conf=0.9,
         not_before=r"(?:đầu)\s*$"),
    block(r"đầy đủ (?:các )?thiết bị vệ sinh"),      # a toilet's fittings (train_gold: 4 of 4 untagged)
    rule(r"full nội thất|đầy đủ nội thất|nội thất đầy đủ|nội thất full|full đồ|đủ đồ|"
         r"full tiện nghi|đầy đủ tiện nghi|tiện nghi đầy đủ|xách vali|vali vào ở|trang bị đầy đủ|"
         r"đầy đủ trang thiết bị|trang thiết bị đầy đủ|đầy đủ (?:các )?thiết bị|full nt|"
         r"nội thất (?:cơ bản )?đầy đủ|đầy đủ(?=\s*:)|"
         # spellings and phrasings train_gold's listings use
         r"(?:đầy |đấy |đẩy )?đủ nội th[aấ]ty?|ful+ nội(?: thất)?|full tiện ích|hoàn chỉnh nội thất|"
         r"trang bị đủ|nội thất trong phòng đầy đủ|đầy đủ gồm|"
         r"đầy đủ nội thấy|(?:phòng |nhà )?đủ tiện nghi|xách đồ vào ở|full opt(?:ion)?|đồ đạc đầy đủ|"
         r"đầy đủ đồ đạc", "noi_that_day_du", conf=0.9,
         # train_gold: the neighbourhood's or the kitchen's things are not the unit's furniture
         not_before=r"(?:tiện ích(?: xung quanh| cao cấp| chung)?|bếp(?:\s+[^\s,]+){0,2}|xung quanh|"
                    r"khu hành chính|toilet|wc)\s*$"),
    # "Phòng lớn 40m2 ở được 3-4 người": the room itself called large (4 of 5 in train_gold).
    rule(r"phòng (?:lớn|to)(?: khoảng| hơn)? \d+ ?(?:m2|m²|m)", "rong_rai", conf=0.8),
    # --- không gian --------------------------------------------------------------------------
    rule(r"gác (?:lửng|lững|xép|xếp|suốt|gỗ|cao|rộng|lớn|đúc|bê tông|sắt|ngủ)|duplex|dulex|douplex|"
         r"(?:có|phòng) gác", "gac_lung", conf=0.9),
    rule(r"gác", "gac_lung", conf=0.7,
         not_before=r"(?:người|bảo vệ|trông|canh|ba|trực|chú|ông)\s*$",
         not_after=r"\s*(?:cổng|đêm|xe|chân|máy|lại|bỏ|cửa|ba)"),
    rule(r"ban công|bancong|bancol|bancon(?:y)?|ban cộng|balcon(?:y)?|lô gia|logia|loggia", "ban_cong", conf=0.95),
    rule(r"cửa sổ(?: trời)?|window", "cua_so", conf=0.9),
    rule(r"(?:nhà |phòng )?(?:vệ sinh|tắm) (?:riêng|khép kín|trong phòng)|"
         r"nhà vệ sinh (?:riêng|khép kín|trong)|riêng nhà vệ sinh|phòng tắm riêng|nhà tắm riêng|"
         r"khép kín", "wc_rieng", conf=0.9,
         not_before=r"(?:sleep ?box|box|giường|khoang|capsule)(?:\s+\S+){0,3}\s*$"),
    rule(r"\d+ ?(?:nhà vệ sinh|vệ sinh|phòng tắm|nhà tắm|phòng vệ sinh)", "wc_rieng", conf=0.8),
    # "1pn1wc": a unit with its own bathroom (written without spaces, so no word boundary inside).
    rule(r"\d+ ?(?:pn|phòng ngủ) ?\d+ ?(?:nhà vệ sinh|vệ sinh|phòng tắm|nhà tắm)", "wc_rieng", conf=0.85),
    # Bathroom fittings in the unit's list of equipment: it has its own bathroom.
    rule(r"bồn tắm|vòi (?:tắm|sen)|sen tắm|lavabo|bồn rửa mặt|thiết bị vệ sinh|bồn cầu|bệt", "wc_rieng",
         conf=0.75, not_before=r"(?:chung|dùng chung)(?:\s+\S+){0,2}\s*$",
         not_after=r"[^,;]{0,25}(?:chung|công cộng|mỗi tầng|từng tầng)"),
    # A listing describes the unit's own bathroom unless it says the bathroom is shared.
    rule(r"(?:nhà|phòng) vệ sinh|(?:nhà|phòng) tắm", "wc_rieng", conf=0.7,
         not_after=r"[^,;]{0,25}(?:chung|công cộng|tập thể|mỗi tầng|từng tầng|cuối hành lang)",
         not_before=r"(?:chung|dùng chung|phí|tiền|dọn|không có|sleep ?box|box)(?:\s+\S+){0,2}\s*$"),
    # --- tòa nhà -----------------------------------------------------------------------------
    rule(r"thang máy|elevator", "thang_may", conf=0.95),
    rule(r"(?:chỗ |nơi |sân |hầm |bãi )?(?:để|đậu|đỗ|gửi|giữ) xe|bãi (?:xe|đỗ)|hầm xe|nhà xe|"
         r"parking|(?:miễn )?(?:phí|tiền) (?:gửi )?xe|để (?:được )?\d+ xe|xe(?: máy)? ?: ?(?:free|miễn phí)",
         "cho_de_xe", conf=0.9),
    # A parking fee, or parking free of charge, in the costs ("xe 100k", "free 2 xe", "xe miễn phí",
    # "không phí xe máy"): the building keeps tenants' bikes (train_gold's annotators tag these).
    rule(r"xe(?: máy| số| tay ga)? ?:? ?(?:free|miễn phí|không (?:tính |mất )?phí|"
         r"\d+(?:[.,]\d+)? ?(?:k|đ|đồng|nghìn|ngàn)\b)|"
         r"(?:free|miễn phí|không (?:tính |mất )?phí) (?:gửi |giữ )?(?:\d+ )?xe(?: máy)?|"
         r"\d+ ?(?:người|ng) ?[/,-] ?\d+ ?xe|xe (?:để|gửi) (?:ở |dưới |trong )?(?:hầm|tầng|nhà|sân)|"
         r"bỏ xe (?:dưới|ở|trong)", "cho_de_xe", conf=0.85, neg=False),
    # "xe 2 chiếc miễn phí", "miễn phí 2 chiếc xe", "xe 100000/chiếc", "xe để free/thoải mái",
    # "xe máy để tại tầng trệt", "(2 xe)" after the occupants: tenants' bikes are kept.
    rule(r"xe(?: máy)? \d+ chiếc (?:free|miễn phí)|(?:free|miễn phí) \d+ chiếc xe(?: máy)?|"
         r"xe(?: máy)? \d+(?:[.,]\d+)? ?(?:k|đ)? ?/ ?(?:chiếc|xe)|xe(?: máy)? để (?:free|thoải mái|miễn phí|tại|ở)|"
         r"người \(\s*\d+ xe\s*\)|gủi xe", "cho_de_xe", conf=0.85, neg=False),
    rule(r"camera|cam an ninh|cctv", "camera", conf=0.95),
    # train_gold: "có quản lý nhà 24/24", "quản lí 24/7", "bv 24/24", "nhân viên trực tại chổ"
    rule(r"bảo vệ|(?:an ninh|quản lý|quản lí|bv|trực|giám sát|lễ tân)(?: nhà| hỗ trợ)? ?"
         r"(?:24 ?/ ?24|24 ?/ ?7|24h|24 giờ)|"
         r"người trực|nhân viên trực|trực dân phòng|lễ tân|security|quản lý tòa nhà", "bao_ve", conf=0.9,
         not_after=r"\s*(?:môi trường|sức khỏe|quyền|tài sản của|khách hàng|thông tin)",
         # "camera an ninh 24/24" is cameras, not a guard (the camera rule reads it)
         not_before=r"(?:camera|cam|cctv)\s*$"),
    rule(r"vân tay|thẻ từ|khóa từ|cửa từ|khóa (?:thông minh|điện tử)|smart ?lock|face ?id|"
         r"nhận diện khuôn mặt", "khoa_van_tay", conf=0.95),
    rule(r"phơi(?: đồ| quần áo)?", "san_phoi", conf=0.85),
    rule(r"sân thượng", "san_phoi", conf=0.8),
    # --- quy định ----------------------------------------------------------------------------
    rule(r"(?:giờ|gio) (?:giấc|giất|giac)(?: tòa nhà| ra vào| đi lại)?(?: ?[:\-]? ?)"
         r"(?:tự do|thoải mái|linh hoạt|không giới hạn|24 ?/ ?24|không phụ thuộc)|"
         r"(?:tự do|thoải mái) giờ giấc|giờ (?:tự do|thoải mái)|ra vào (?:tự do|thoải mái|24 ?/ ?24)|"
         r"tự do ra vào|đi lại tự do|(?:không|không có) giới hạn giờ(?: giấc)?|"
         r"không (?:có )?giờ giới nghiêm", "gio_tu_do", conf=0.9, neg=False),
    # "ra vào cửa vân tay tự do 24/24": only the "tự do" part, so the lock between keeps its own tag.
    rule(r"tự do(?: 24 ?/ ?24)?", "gio_tu_do", conf=0.85, before=r"ra vào(?:\s+[^\s,]+){1,3}\s*$"),
    # Phrasings train_gold's listings use: "giờ giấc sinh hoạt tự do", "không quy định giờ giấc",
    # "thời gian tự do", "đi, về thoải mái", "chìa khoá riêng tự do".
    rule(r"(?:giờ|gio) (?:giấc|giất|giac) (?:sinh hoạt |đi về |ra vào |hoàn toàn )?(?:tự do|thoải mái|không ràng buộc)|"
         r"giờ mở cửa:? ?24 ?/ ?24|ra vào (?:bất cứ|bất kỳ|bất kì) lúc nào|"
         r"giờ giấc không ràng buộc|giờ giất tự|thời gian (?:ra vào |sinh hoạt )?tự do|"
         r"không (?:quy định|bị giới hạn về|giới hạn về|ràng buộc) giờ giấc|(?:đi,? về|ra,? vào) thoải mái|"
         r"chìa kho[aá] riêng,? tự do", "gio_tu_do", conf=0.85, neg=False),
    rule(r"không (?:ở )?(?:chung|cùng) (?:với )?chủ(?: nhà)?|chủ (?:nhà )?(?:không ở chung|ở riêng)|"
         r"riêng chủ|free chủ", "khong_chung_chu", conf=0.95, neg=False),
    rule(r"(?:nuôi |được nuôi |cho nuôi )?(?:thú cưng|pet|vật nuôi|chó mèo|chó|mèo)|"
         r"pet friendly|(?:được|cho) nuôi", "thu_cung", conf=0.85),
    # --- dịch vụ -----------------------------------------------------------------------------
    rule(r"dọn (?:dẹp |vệ sinh |phòng)|dọn vệ sinh|dọn dẹp|lau dọn|dịch vụ (?:dọn|vệ sinh)|"
         r"vệ sinh (?:hằng|hàng|mỗi) (?:ngày|tuần)|vệ sinh \d+ lần|vệ sinh định kỳ|"
         r"(?:được )?vệ sinh (?:hành lang|khu vực chung|khu chung|chung|cầu thang|không gian chung|phòng)|"
         r"vệ sinh (?:thường xuyên|đều đặn|24/24)|(?:luôn |thường xuyên )?được vệ sinh|"
         r"lao công|tạp vụ|nhân viên vệ sinh|người (?:quét )?dọn|người vệ sinh|quét dọn|lau chùi|"
         r"dọn (?:hành lang|cầu thang)|dọn về sinh|vệ sinh tuần|"
         # "Vệ sinh sạch sẽ không gian sử dụng chung" (train_gold: 5 of 5 tagged)
         r"vệ sinh sạch sẽ (?:không gian|khu vực)", "don_ve_sinh", conf=0.85,
         not_before=r"(?:nhà|phòng|phí|tiền|giữ gìn|giữ)\s*$"),
    # "Tòa nhà luôn được vệ sinh" (the rule above refuses "nhà" before it: "nhà vệ sinh" is a toilet)
    rule(r"(?:tòa nhà|tòa|khu nhà) (?:luôn |thường xuyên )?được (?:dọn dẹp|vệ sinh)", "don_ve_sinh", conf=0.85),
    # --- vị trí ------------------------------------------------------------------------------
    rule(SCHOOL, "gan_truong", conf=0.85, before=_NEAR_BEFORE,
         not_before=_NOT_SCHOOL_BEFORE, not_after=_NOT_SCHOOL_AFTER),
    # "Huflit, YPNT 250m", "Bách Khoa 600m", "UEH ... 2km có buýt": a school with its distance after.
    rule(SCHOOL, "gan_truong", conf=0.8, not_before=_NOT_SCHOOL_BEFORE, not_after=_NOT_SCHOOL_AFTER,
         after=r"(?:\s*,?\s*[^\s,]+){0,3}?\s*(?:\d+(?:[.,]\d+)? ?(?:m|km|p|phút)(?!\w))"),
    rule(r"các trường (?:đại học|cao đẳng|học)", "gan_truong", conf=0.8),
    rule(STORE, "gan_cho", conf=0.85, before=_NEAR_BEFORE),
    # "siêu thị Big C 200m", "Lottemart cách 3p đi bộ", "bách hóa xanh ... cạnh nhà": the distance after.
    rule(STORE, "gan_cho", conf=0.8,
         after=r"(?:\s+[^\s,]+){0,3}?\s*(?:\d+(?:[.,]\d+)? ?(?:m|km|p|phút)(?!\w)|cách(?!\w)|sát bên|cạnh nhà|"
               r"ngay (?:dưới|bên|cạnh|sau|trước))"),
    rule(r"trung tâm", "trung_tam", conf=0.8,
         not_after=r"\s*(?:thương mại|y tế|anh ngữ|ngoại ngữ|tiếng|hội nghị|tiệc|thể thao|văn hóa|"
                   r"giáo dục|đào tạo|mua sắm|dạy|luyện|gia sư|bảo hành|dịch vụ|chăm sóc|điều dưỡng|"
                   r"giới thiệu|tin học|kỹ năng|thẩm mỹ|phục hồi|hỗ trợ|spa|bảo trợ|nghiên cứu|"
                   r"vui chơi|triển lãm|huấn luyện|sát hạch|đăng kiểm|học|thương mai|tdtt|hành chính|văn phòng|"
                   r"giải trí|phú mỹ hưng)"),
    rule(r"vị trí (?:đẹp|vàng|đắc địa|trung tâm|siêu đẹp|cực đẹp|rất đẹp)|đắc địa|quận trung tâm",
         "trung_tam", conf=0.9),
    # ... not "qua Q1, Q3 chỉ 15 phút", "cách Quận 1: 15 Phút": ten minutes or more away is not central
    rule(DOWNTOWN, "trung_tam", conf=0.75, before=_DOWNTOWN_BEFORE,
         not_after=r"[^|\n]{0,45}?(?<!\w)[1-9]\d ?(?:-\s*\d+ ?)?(?:phút|p|’|')(?!\w)"),
    # "TT" for "trung tâm", misspelt "đắc địa".  An address (a ward, then Q1) is left to the place
    # fields: as a rule it fixed as many train_gold listings as it broke, and a renter typing an
    # address asks for the place, not for the tag.
    rule(r"(?:ngay |vị trí )tt (?:quận|phường|thành phố|tp)|đắc điạ|đắt địa", "trung_tam",
         conf=0.8),
    rule(r"h[ẻẽ]m (?:xe hơi|ô ?tô|oto|xe tải|xe o ?to)|ngõ (?:ô ?tô|oto|xe hơi)|mặt (?:tiền|phố|đường|ngõ)|"
         r"đường (?:rộng|lớn|to)(?: rãi)?(?: \S+){0,2} (?:xe hơi|ô ?tô|oto|xe tải)|"
         r"(?:hẻm|ngõ) (?:rộng|lớn|to)|(?:xe hơi|ô ?tô|oto|xe tải) (?:có thể )?(?:vào|tới|đến|tận|"
         r"tránh|quay đầu|ra vào|chạy|đỗ cửa|đậu cửa|đỗ trước|đậu trước|ngủ|(?:đỗ|đậu) đón tận cửa)",
         "hem_xe_hoi", conf=0.9,
         not_before=r"(?:gần|cách|sát|ra)\s*$"),
    rule(r"(?:hẻm|ngõ) (?:rộng )?(?:[4-9]|1\d)(?:[.,]\d)? ?m(?!\w)", "hem_xe_hoi", conf=0.75),
    # Phrasings train_gold's listings use: "hẻm nhựa rộng 7m", "(2 ô tô to
    # tránh)", "xe ôtô 7 chỗ vào đến", "hẻm xe taxi vào tận nhà", "đường xe hơi thông thoáng", "đường
    # nhựa xe hơi", "hai oto đi vẫn tốt".
    rule(r"(?:hẻm|ngõ) (?:nhựa|bê tông)(?: trước nhà)? (?:rộng )?(?:[5-9]|1\d)(?:[.,]\d)? ?m(?!\w)|"
         r"(?:xe hơi|ô ?tô|oto|xe tải) to tránh|(?:ô ?tô|oto|xe) \d+ ch[ỗổ] (?:vào|đỗ|đậu)|"
         r"(?:hẻm|ngõ|đường) (?:xe )?taxi (?:vào|tới|đến)|đường (?:nhựa )?(?:xe hơi|ô ?tô|oto)(?!\w)|"
         r"(?:hai|2) (?:ô ?tô|oto|xe hơi) (?:đi|tránh|chạy)", "hem_xe_hoi", conf=0.8,
         not_before=r"(?:gần|cách|sát|ra|bãi|chỗ)\s*$"),
    # "Thanh Bình" is also a ward (Hải Châu, Hà Đông): peaceful only after a word about the place.
    rule(r"thanh bình", "yen_tinh", conf=0.85,
         before=r"(?:khu|không gian|cuộc sống|sống|yên|rất|nơi|môi trường|khu vực|yên tĩnh,?)\s*$"),
    rule(r"yên tĩnh|yên bình|yên ắng|tĩnh lặng|dân trí cao|(?:khu|dân cư|khu dân cư) văn minh",
         "yen_tinh", conf=0.9),
    # misspellings and phrasings train_gold's listings use
    rule(r"yên (?:tỉnh|tịnh)|(?:yễn|yêu) (?:tĩnh|tỉnh|tịnh)|dậ trí cao|dân cư dân trí|"
         r"(?:môi trường|không gian sống) văn minh", "yen_tinh", conf=0.85),
    rule(r"không ồn(?: ào)?|tránh (?:xa )?(?:ồn ào|khói bụi)", "yen_tinh", conf=0.85, neg=False),
    # --- chất lượng --------------------------------------------------------------------------
    # Like rong_rai, of the room: "sân thượng thoáng mát", "chỗ để xe thoáng mát" are not (train_gold).
    rule(r"thoáng mát|mát mẻ|thoáng khí|thông thoáng|thoáng đãng|thoáng", "thoang_mat", conf=0.9,
         not_after=r"\s*qua", not_before=_NOT_AIRY_ROOM),
    rule(r"mát", "thoang_mat", conf=0.8, not_after=r"\s*(?:-\s*)?(?:xa|xoa|tay|lòng|tính|lạnh)",
         not_before=rf"(?:tủ|máy|kem|thoáng)\s*$|{_NOT_AIRY_ROOM}"),   # "thoáng mát": the rule above decides
    rule(r"rộng rãi|rộng|rong rai|diện tích (?:lớn|rộng)|phòng lớn|siêu rộng", "rong_rai", conf=0.85,
         # "rộng khoảng 18m2", "rộng ngang 4m": a size, not a quality (the guidelines: not a bare m² number)
         not_before=NOT_ROOM_BEFORE,
         not_after=r"\s*(?:\d|khắp|mở|rãi\s*\d|(?:khoảng|khoản|tầm|chừng|ngang|dài|hơn|trên)\s*\d)"),
    rule(r"sạch sẽ|sạch đẹp|sạch", "sach_se", conf=0.85,
         not_before=r"(?:nước|rau|giữ|gìn|giữ gìn|ý thức|giữ vệ sinh|giữ gìn vệ sinh)(?:\s+\S+){0,1}\s*$|"
                    # what a landlord asks of tenants ("yêu cầu gọn gàng, sạch sẽ"), not the room
                    r"(?:yêu cầu|ưu tiên|cần người|người ở|ở gọn gàng|gọn gàng)(?:\s+[^\s,]+){0,3}[\s,]*$"),
    rule(r"mới (?:xây|sửa|tinh|toanh|keng|sơn|cải tạo|hoàn thiện|khai trương|nâng cấp|decor|"
         r"được xây|được sửa|xây dựng|sửa chữa|100 ?%|99 ?%)|xây mới|sửa mới|vừa xây|vừa sửa|"
         r"khai trương|còn mới|mới (?:setup|hoàn toàn|nguyên|mẻ)|new 100 ?%|thiết kế mới", "moi_xay", conf=0.85,
         not_before=APPLIANCE_BEFORE),
    rule(r"(?:nhà|phòng(?: trọ)?|tòa nhà|căn hộ|building|dãy trọ|khu trọ)(?: rất| hoàn toàn)? mới", "moi_xay", conf=0.8,
         not_after=r"\s*(?:trống|dọn|ra|có|được|lên|nhận|về|cập nhật)"),
    # "phòng thoáng, sáng", "không gian sáng thoáng": both (train_gold: every one of them)
    rule(r"thoáng,? sáng|sáng thoáng", "anh_sang", "thoang_mat", conf=0.85,
         not_before=_NOT_AIRY_ROOM),
    rule(r"ánh sáng(?: tự nhiên)?|sáng sủa|đón nắng|đầy nắng|lấy sáng|đón sáng|đủ sáng|"
         # train_gold: "siêu sáng", "nhiều sáng", "đón ánh nắng" (all tagged)
         r"siêu sáng|nhiều sáng|cửa sổ sáng|(?:đón |đầy )?ánh nắng|"
         r"giếng trời", "anh_sang", conf=0.85,
         not_before=r"(?:hệ thống|đèn|chiếu)\s*$"),
    rule(r"view thoáng", "view_dep", "thoang_mat", conf=0.9),
    rule(r"view|tầm nhìn (?:đẹp|thoáng|rộng)|cảnh đẹp|nhìn ra (?:sông|hồ|biển|công viên|thành phố|phố)",
         "view_dep", conf=0.85, not_after=r"\s*(?:phòng|nhà|căn|trực tiếp|thực tế)"),
    # --- chi phí -----------------------------------------------------------------------------
    rule(r"bao (?:gồm |luôn |hết |trọn |cả )?(?:tiền |chi phí |phí )?điện(?: ?,? ?nước)?|"
         r"(?:giá |bao )?trọn gói|(?:miễn phí|free) (?:tiền )?điện(?: nước)?|"
         r"điện nước (?:miễn phí|free|bao)|bao (?:tất cả|hết|toàn bộ) (?:các )?(?:chi phí|phí)|"
         r"(?:đã )?bao gồm (?:tất cả|mọi|toàn bộ) (?:chi phí|phí|dịch vụ)|"
         r"không phát sinh (?:thêm )?(?:chi phí|phí)|bao hết(?= ?(?:[.,;\n)]|$))", "bao_dien_nuoc", conf=0.9),
    # Phrasings train_gold's listings use: "bao ĐNC", "bao trọn toàn bộ các chi phí", "giá phòng bao
    # gồm tất cả", "đã bao gồm tiền phòng tiền điện", "Điện, nước: MIỄN PHÍ", "1 phòng 10 triệu full phí".
    rule(r"bao đnc|bao trọn(?: toàn bộ)?(?: các)? chi phí|giá (?:phòng )?bao gồm tất cả|"
         r"(?:đã )?bao gồm (?:các |cả )?(?:chi phí|tiền phòng,? tiền điện|tiền điện)|"
         r"điện,? nước ?: ?(?:miễn phí|free)|full phí", "bao_dien_nuoc", conf=0.85),
    rule(r"(?:theo )?(?:khung giá|giá|hóa đơn)(?: của| cảu)? (?:nhà nước|dân|evn|điện lực)|"
         r"theo nhà nước|giá gốc(?= ?(?:[.,;\n)]|$))|"
         r"(?:đóng|trả|thanh toán) (?:tiền )?điện(?: nước)? (?:trực tiếp )?(?:cho|với) "
         r"(?:nhà nước|evn|điện lực)", "dien_nuoc_gia_dan", conf=0.9),
    rule(r"giá sinh viên", "gia_re", "sinh_vien", conf=0.95),
    # train_gold: "giá quá tốt", "GIÁ CẢ TỐT NHẤT", "giá phòng thấp", "giá rẽ", "Giá BD"
    rule(r"(?:giá |siêu |cực |rất )?rẻ(?: nhất)?|giá (?:cả )?(?:quá |siêu |rất |cực )?(?:tốt|mềm|hời|sốc)|"
         r"bình dân|hạt dẻ|phải chăng|siêu hời|giá (?:siêu )?yêu thương|giá (?:phòng )?thấp|giá rẽ|giá bd|"
         r"thấp hơn thị trường", "gia_re", conf=0.9),
    # --- đối tượng ---------------------------------------------------------------------------
    rule(r"(?:học sinh )?sinh viên|học sinh|student", "sinh_vien", conf=0.9),
    rule(r"(?:phụ )?nữ", "nu", conf=0.85,
         not_before=r"(?:nam|trai)\s*(?:[/,&+\-]|và|hoặc|hay|lẫn|or)?\s*(?:\s\S+\s)?$",
         not_after=r"\s*(?:[/,&+\-]|và|hoặc|hay|lẫn|or)?\s*(?:nam|trai)|\s*(?:hoàng|vương|tính)"),
    rule(r"gia đình|hộ gia đình|vợ chồng|cặp đôi|couple|family", "gia_dinh", conf=0.9,
         not_after=r"\s*(?:chủ|tôi|mình|em|anh|chị|bác|cô|chú|ông|bà)(?!\w)",
         not_before=r"(?:đồ|đồ dùng|thiết bị|dụng cụ|như|không khí|ấm cúng|chung với|cùng|với)\s*$"),
    # --- loại phòng --------------------------------------------------------------------------
    rule(r"giường tầng", "o_ghep", "giuong", conf=0.9),
    rule(r"ở ghép|ghép phòng|phòng ghép|share phòng|ký túc xá|sleep ?box|homestay|dorm|capsule|"
         r"(?:tìm|cần) (?:thêm )?(?:người|bạn|nam|nữ)(?: \S+){0,2} ở (?:ghép|chung|cùng)|"
         r"ở chung phòng", "o_ghep", conf=0.9),
    # A studio in a named condo project is an ordinary condo (the guidelines; train_gold: the
    # Vinhomes listings' "Studio: 4 triệu" 4 of 5 untagged).
    rule(r"căn hộ (?:mini|dịch vụ|studio)|chung cư mini|studio|serviced apartment",
         "can_ho_mini", conf=0.9, unless_text=r"vinhomes|masteri|lavida"),
]

LISTING_RULES: list[ListingRule] = [
    # A "căn hộ" let by a managed rental building (per-person fees, house rules, fingerprint
    # locks, building services) is a mini apartment; a flat with 2+ bedrooms or in a named condo
    # project is not.
    ListingRule(
        "can_ho_mini", mention=r"căn hộ|căn (?=1 ?phòng ngủ)",
        with_any_tag=("khoa_van_tay", "gio_tu_do", "khong_chung_chu", "don_ve_sinh"),
        with_any_text=r"/ ?(?:người|ng)(?!\w)|mỗi người|phí dịch vụ|dịch vụ tòa nhà|1 ?phòng ngủ|duplex|"
                      # train_gold: a new or newly opened "căn hộ" with a balcony, let room by room
                      r"dulex|douplex|khai trương|ban công|bancol|bancon|balcon|mới xây|mới 100%|căn hộ dịch",
        unless_text=r"(?:[2-9]|hai|ba|bốn) ?phòng ngủ|tập thể|dự án|khu đô thị|block|vinhomes|masteri|"
                    r"chung cư(?! mini)",
        confidence=0.75),
]
