from django.db import models


class Tag(models.Model):
    """One feature of the vocabulary (loaded from mlcore's taxonomy by ``manage.py load_tags``)."""

    slug = models.SlugField("mã", max_length=64, unique=True)
    name = models.CharField("tên", max_length=120)
    group = models.CharField("nhóm", max_length=64, blank=True)
    visual = models.BooleanField("thấy được trên ảnh", default=False)
    aliases = models.JSONField("cách gọi khác", default=list, blank=True)
    position = models.PositiveIntegerField("thứ tự", default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = "đặc điểm"
        verbose_name_plural = "đặc điểm"

    def __str__(self) -> str:
        return self.name
