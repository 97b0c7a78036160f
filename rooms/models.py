import re
import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from mlcore.room_types import ROOM_TYPE_LIST
from mlcore.text import fold_text

from tagging.models import RoomTag, Tag

from .places import resolve_place


_DISTRICT_NUMBER = re.compile(r"^(?:q|quận|quan)\.?\s*(\d{1,2})$", re.I)


def normalize_district(name: str) -> str:
    """"Q10", "q.10", "quan 10" -> "Quận 10"; other names are only trimmed."""
    name = " ".join(name.split())
    m = _DISTRICT_NUMBER.match(name)
    return f"Quận {int(m.group(1))}" if m else name


def search_document(*parts: str) -> str:
    """The stored search text: accent-free lowercase words, space-separated with a space at each
    end, so that " word" finds a word by its start on any database (PostgreSQL's full-text index
    reads the same words)."""
    words = re.findall(r"[a-z0-9]+", fold_text(" ".join(p for p in parts if p)))
    return f" {' '.join(words)} "


class SearchVectorOf(models.Func):
    """The full-text vector of a text column on PostgreSQL (``to_tsvector('simple', …)``, indexed
    by GIN in migration 0007); NULL elsewhere, where search reads ``search_text`` itself."""
    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


# The one room-type vocabulary (mlcore.room_types) as Django choices: RoomType.PHONG_TRO, ...
RoomType = models.TextChoices("RoomType", [(t.slug.upper(), (t.slug, t.label)) for t in ROOM_TYPE_LIST])


class WaterPriceUnit(models.TextChoices):
    PER_M3 = "m3", "đ/m³"
    PER_PERSON = "nguoi", "đ/người/tháng"


def photo_path(instance, filename: str) -> str:
    """Random names: an upload's own file name never reaches the disk or a URL."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"rooms/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


def thumbnail_path(instance, filename: str) -> str:
    return f"rooms/{timezone.now():%Y/%m}/thumbs/{uuid.uuid4().hex}.jpg"


def thumbnail_webp_path(instance, filename: str) -> str:
    return f"rooms/{timezone.now():%Y/%m}/thumbs/{uuid.uuid4().hex}.webp"


class RoomQuerySet(models.QuerySet):
    def owned_by(self, user):
        """The rooms ``user`` posted (none for an anonymous visitor)."""
        return self.filter(owner_id=user.pk) if user.is_authenticated else self.none()

    def visible_to(self, user):
        """What ``user`` may open: listed rooms, their own rooms, and everything for staff. An
        unlisted (rented) room stays private: its page and contact phone are not public."""
        if user.is_authenticated and user.is_staff:
            return self
        if user.is_authenticated:
            return self.filter(models.Q(is_listed=True) | models.Q(owner_id=user.pk))
        return self.filter(is_listed=True)

    def usual_prices(self, room_type: str, district: str = "") -> tuple[int, int, str] | None:
        """(10th, 90th percentile of the monthly rent, where) of listed rooms of ``room_type``: in
        ``district`` when it has at least ``USUAL_PRICE_MIN_ROOMS`` of them, else everywhere; None
        with fewer (the caller falls back to sensible bounds)."""
        listed = self.filter(is_listed=True, room_type=room_type)
        for where, rooms in ((district, listed.filter(district__iexact=district) if district else None), ("", listed)):
            if rooms is None:
                continue
            prices = sorted(rooms.values_list("price_vnd", flat=True)[:5000])
            if len(prices) >= USUAL_PRICE_MIN_ROOMS:
                return prices[len(prices) // 10], prices[(len(prices) * 9) // 10], where
        return None


USUAL_PRICE_MIN_ROOMS = 8


class Room(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rooms",
                              verbose_name="chủ trọ")
    title = models.CharField("tiêu đề", max_length=200)
    description = models.TextField("mô tả")
    price_vnd = models.PositiveBigIntegerField("giá thuê (VND/tháng)")
    area_m2 = models.DecimalField("diện tích (m²)", max_digits=7, decimal_places=1)
    address = models.CharField("địa chỉ", max_length=255)
    district = models.CharField("quận/huyện (cũ)", max_length=100, blank=True,
                                help_text="Tên quận/huyện trước 1/7/2025, vẫn dùng để tìm: Quận 10, Bình Thạnh…")
    city = models.CharField("tỉnh/thành phố", max_length=100)
    # The official units (two levels since 1 July 2025), from rooms.places; blank when unmatched.
    province_code = models.CharField("mã tỉnh/thành", max_length=2, blank=True, db_index=True)
    ward_code = models.CharField("mã phường/xã", max_length=5, blank=True, db_index=True)
    ward = models.CharField("phường/xã", max_length=100, blank=True)
    room_type = models.CharField("loại phòng", max_length=20, choices=RoomType.choices, default=RoomType.PHONG_TRO)
    deposit_vnd = models.PositiveBigIntegerField("tiền cọc (VND)", null=True, blank=True)
    electricity_price_vnd = models.PositiveIntegerField("giá điện (đ/kWh)", null=True, blank=True)
    water_price_vnd = models.PositiveIntegerField("giá nước (VND)", null=True, blank=True)
    water_price_unit = models.CharField("tính nước theo", max_length=10, choices=WaterPriceUnit.choices,
                                        default=WaterPriceUnit.PER_M3)
    max_occupants = models.PositiveSmallIntegerField("ở tối đa (người)", null=True, blank=True)
    available_from = models.DateField("dọn vào từ", null=True, blank=True)
    cover = models.ForeignKey("RoomImage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name="ảnh bìa")
    tags_confirmed_at = models.DateTimeField(
        "chủ trọ xác nhận đặc điểm lúc", null=True, blank=True,
        help_text="Trống: chủ trọ chưa lưu trang đặc điểm; phòng hiện các gợi ý chắc chắn, đánh dấu “tự động”.")
    external_id = models.CharField("mã tin gốc", max_length=100, null=True, blank=True,
                                   help_text="Mã của tin ở nơi khác, khi tin được nhập hàng loạt.")
    contact_phone = models.CharField("số điện thoại liên hệ", max_length=20, blank=True,
                                     help_text="Hiện trên trang phòng để người thuê gọi hoặc nhắn Zalo.")
    is_listed = models.BooleanField("còn cho thuê", default=True,
                                    help_text="Bỏ chọn khi phòng đã có người thuê: phòng sẽ không hiện khi tìm kiếm.")
    created_at = models.DateTimeField("đăng lúc", auto_now_add=True)
    updated_at = models.DateTimeField("sửa lúc", auto_now=True)
    # Accent-free, lowercase copy of the searchable text ("dieu hoa" finds "điều hòa"),
    # computed on save rather than per query.
    search_text = models.TextField(editable=False, default="")
    search_vector = models.GeneratedField(expression=SearchVectorOf("search_text"), output_field=SearchVectorField(),
                                          db_persist=True, null=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "phòng"
        verbose_name_plural = "phòng"
        indexes = [models.Index(fields=["price_vnd"]), models.Index(fields=["district"]),
                   models.Index(fields=["-created_at"])]
        constraints = [models.UniqueConstraint(fields=["owner", "external_id"], name="room_unique_external_id")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("room_detail", args=[self.pk])

    @property
    def text_for_tagging(self) -> str:
        """What the tagger reads: title, a line break, description (as in the training data)."""
        return f"{self.title}\n{self.description}"

    def locate(self) -> None:
        """Match the place fields to the official units (rooms.places): codes set, names made
        canonical ("binh thanh" -> "Bình Thạnh", "tp hcm" -> "Hồ Chí Minh"); unmatched text stays."""
        place = resolve_place(self.city, self.district, self.address, self.ward)
        self.province_code = place.province.code if place.province else ""
        self.city = place.province.short if place.province else self.city.strip()
        self.district = place.district.name if place.district else normalize_district(self.district)
        self.ward_code = place.ward.code if place.ward else ""
        self.ward = place.ward.name if place.ward else " ".join(self.ward.split())

    def save(self, *args, **kwargs):
        self.locate()
        self.search_text = search_document(self.title, self.description, self.address, self.ward, self.district,
                                           self.city)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text", "city", "district", "ward",
                                       "province_code", "ward_code"}
        super().save(*args, **kwargs)

    @property
    def edit_version(self) -> str:
        """What an edit form carries to show which version of the room it was loaded from."""
        return self.updated_at.isoformat() if self.updated_at else ""

    def mark_tags_confirmed(self) -> None:
        """The landlord saved the tag page: from now on the room shows only decided tags."""
        if self.tags_confirmed_at is None:
            self.tags_confirmed_at = timezone.now()
            type(self).objects.filter(pk=self.pk).update(tags_confirmed_at=self.tags_confirmed_at)

    @property
    def place(self) -> str:
        """"Phường Bến Thành, Quận 1, Hồ Chí Minh" from what is known."""
        return ", ".join(p for p in (self.ward, self.district, self.city) if p)

    @property
    def cover_photo(self):
        """The photo the landlord chose as cover, else the first in their order."""
        photos = list(self.images.all())
        return next((p for p in photos if p.pk == self.cover_id), photos[0] if photos else None)

    @property
    def zalo_url(self) -> str:
        return f"https://zalo.me/{self.contact_phone}" if self.contact_phone else ""

    def confirmed_tags(self):
        return Tag.objects.filter(room_tags__room=self, room_tags__status=RoomTag.Status.CONFIRMED)


class PhotoFiles:
    """The files of a stored photo (``image``, ``thumbnail``, ``thumbnail_webp``: a room's photo or
    a photo uploaded before its post is sent), written and listed in one way."""

    @property
    def thumbnail_url(self) -> str:
        return (self.thumbnail or self.image).url

    @property
    def thumbnail_webp_url(self) -> str:
        return self.thumbnail_webp.url if self.thumbnail_webp else ""

    def store(self, photo) -> None:
        """Write a processed upload's photo and thumbnail files (the row is saved by the caller);
        if one cannot be written, those already written are deleted."""
        from django.core.files.base import ContentFile

        written = []
        try:
            for field, name, content in ((self.image, f"photo.{photo.extension}", photo.content),
                                         (self.thumbnail, "thumb.jpg", photo.thumbnail),
                                         (self.thumbnail_webp, "thumb.webp", photo.thumbnail_webp)):
                if content:
                    field.save(name, ContentFile(content), save=False)
                    written.append(field)
        except BaseException:
            for field in written:
                field.storage.delete(field.name)
            raise

    def files(self) -> list[tuple]:
        """(storage, name) of every file this photo keeps: deleted with it."""
        return [(f.storage, f.name) for f in (self.image, self.thumbnail, self.thumbnail_webp) if f]



class RoomImage(PhotoFiles, models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="images", verbose_name="phòng")
    image = models.ImageField("ảnh", upload_to=photo_path)
    # A small JPEG for lists (made at upload; photos stored before it have none: lists show the photo).
    thumbnail = models.ImageField("ảnh thu nhỏ", upload_to=thumbnail_path, blank=True, editable=False)
    thumbnail_webp = models.ImageField("ảnh thu nhỏ (WebP)", upload_to=thumbnail_webp_path, blank=True, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    # SHA-256 of the stored (re-encoded) file: a re-import of the same photo is recognised.
    content_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "ảnh phòng"
        verbose_name_plural = "ảnh phòng"

    def __str__(self) -> str:
        return f"Ảnh {self.position + 1} của phòng #{self.room_id}"

    @property
    def thumbnail_size(self) -> tuple[int, int]:
        """(width, height) of the list thumbnail (for the page's width/height: no layout shift)."""
        if not (self.width and self.height):
            return 4, 3
        if not self.thumbnail:
            return self.width, self.height
        scale = min(1.0, settings.ROOM_PHOTO_THUMB_SIDE / max(self.width, self.height))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    def make_thumbnail(self) -> None:
        """Make the missing thumbnails of a photo stored before them (``make_thumbnails``)."""
        from django.core.files.base import ContentFile
        from PIL import Image

        from photos.processing import thumbnails

        with self.image.open("rb") as f, Image.open(f) as image:
            image.draft("RGB", (settings.ROOM_PHOTO_THUMB_SIDE,) * 2)     # a JPEG decoded small
            jpeg, webp = thumbnails(image.convert("RGB"))
        made = []
        if not self.thumbnail:
            self.thumbnail.save("thumb.jpg", ContentFile(jpeg), save=False)
            made.append("thumbnail")
        if not self.thumbnail_webp:
            self.thumbnail_webp.save("thumb.webp", ContentFile(webp), save=False)
            made.append("thumbnail_webp")
        self.save(update_fields=made)


class PhotoDraft(PhotoFiles, models.Model):
    """A photo uploaded as soon as the landlord chose it, before the post is sent: checked and
    stored at once (an unreadable one is refused alone, beside its preview), then adopted by the
    room when the form is saved, so that an error elsewhere in the form never asks for the photos
    again.  Drafts no post adopted are deleted after ``settings.PHOTO_DRAFT_HOURS``
    (``manage.py clean_photo_drafts``, run by Celery beat every hour)."""
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photo_drafts")
    image = models.ImageField(upload_to=photo_path)
    thumbnail = models.ImageField(upload_to=thumbnail_path, blank=True)
    thumbnail_webp = models.ImageField(upload_to=thumbnail_webp_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_sha256 = models.CharField(max_length=64, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "ảnh tạm"
        verbose_name_plural = "ảnh tạm"

