import re
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from mlcore.text import fold_text


_DISTRICT_NUMBER = re.compile(r"^(?:q|quận|quan)\.?\s*(\d{1,2})$", re.I)


def normalize_district(name: str) -> str:
    """"Q10", "q.10", "quan 10" -> "Quận 10"; other names are only trimmed."""
    name = " ".join(name.split())
    m = _DISTRICT_NUMBER.match(name)
    return f"Quận {int(m.group(1))}" if m else name


def photo_path(instance, filename: str) -> str:
    """Random names: an upload's own file name never reaches the disk or a URL."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"rooms/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


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


class Room(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rooms",
                              verbose_name="chủ trọ")
    title = models.CharField("tiêu đề", max_length=200)
    description = models.TextField("mô tả")
    price_vnd = models.PositiveBigIntegerField("giá thuê (VND/tháng)")
    area_m2 = models.DecimalField("diện tích (m²)", max_digits=7, decimal_places=1)
    address = models.CharField("địa chỉ", max_length=255)
    district = models.CharField("quận/huyện", max_length=100)
    city = models.CharField("tỉnh/thành phố", max_length=100)
    contact_phone = models.CharField("số điện thoại liên hệ", max_length=20, blank=True,
                                     help_text="Hiện trên trang phòng để người thuê gọi hoặc nhắn Zalo.")
    is_listed = models.BooleanField("còn cho thuê", default=True,
                                    help_text="Bỏ chọn khi phòng đã có người thuê: phòng sẽ không hiện khi tìm kiếm.")
    created_at = models.DateTimeField("đăng lúc", auto_now_add=True)
    updated_at = models.DateTimeField("sửa lúc", auto_now=True)
    # Accent-free, lowercase copy of the searchable text ("dieu hoa" finds "điều hòa"),
    # computed on save rather than per query.
    search_text = models.TextField(editable=False, default="")

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "phòng"
        verbose_name_plural = "phòng"
        indexes = [models.Index(fields=["price_vnd"]), models.Index(fields=["district"]),
                   models.Index(fields=["-created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("room_detail", args=[self.pk])

    @property
    def text_for_tagging(self) -> str:
        """What the tagger reads: title, a line break, description (as in the training data)."""
        return f"{self.title}\n{self.description}"

    def save(self, *args, **kwargs):
        self.district = normalize_district(self.district)
        self.search_text = fold_text(" ".join([self.title, self.description, self.address, self.district, self.city]))
        super().save(*args, **kwargs)

    def confirmed_tags(self):
        from tagging.models import Tag, RoomTag

        return Tag.objects.filter(room_tags__room=self, room_tags__status=RoomTag.Status.CONFIRMED)


class RoomImage(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="images", verbose_name="phòng")
    image = models.ImageField("ảnh", upload_to=photo_path)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "ảnh phòng"
        verbose_name_plural = "ảnh phòng"

    def __str__(self) -> str:
        return f"Ảnh {self.position + 1} của phòng #{self.room_id}"
