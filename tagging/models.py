from django.conf import settings
from django.db import models
from django.utils import timezone


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


class TaggingJobQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-created_at", "-id")

    def done(self):
        return self.filter(status=TaggingJob.Status.DONE)

    def latest_for(self, room) -> "TaggingJob | None":
        """The room's newest job, whatever its state (the landlord's "đang phân tích…")."""
        return self.filter(room=room).newest_first().first()

    def latest_done(self, room) -> "TaggingJob | None":
        """The room's current analysis: its newest finished job."""
        return self.done().filter(room=room).newest_first().first()


class TagSuggestionQuerySet(models.QuerySet):
    def current_for(self, room):
        """Suggestions of the room's current analysis (its newest finished job), most confident first."""
        job = TaggingJob.objects.latest_done(room)
        if job is None:
            return self.none()
        return self.filter(job=job).select_related("tag").order_by("-confidence", "tag__position")


def photo_evidence_by_id(evidence: list[dict], photo_ids) -> list[dict]:
    """A tagger's evidence with ``{"photo": i}`` (the i-th photo it read) as ``{"photo_id": id}``."""
    out = []
    for e in evidence:
        if isinstance(e, dict) and isinstance(e.get("photo"), int):
            if e["photo"] < len(photo_ids):
                out.append({"photo_id": photo_ids[e["photo"]]})
        else:
            out.append(e)
    return out


class TaggingJob(models.Model):
    """One run of the tagger over a room's text and photos (queued on save, run by a worker)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "đang chờ"
        RUNNING = "running", "đang chạy"
        DONE = "done", "xong"
        FAILED = "failed", "lỗi"

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="tagging_jobs",
                             verbose_name="phòng")
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    reason = models.CharField("lý do", max_length=40, default="created")
    # Bulk import with --accept-suggestions: once done, the pre-ticked suggestions are confirmed
    # as a landlord who saves the defaults would (tagging.decisions.accept_pre_ticked).
    accept_suggestions = models.BooleanField("tự xác nhận gợi ý", default=False)
    attempts = models.PositiveSmallIntegerField("số lần chạy", default=0)
    model_version = models.CharField("phiên bản mô hình", max_length=100, blank=True)
    mode = models.CharField("chế độ", max_length=20, blank=True)
    error = models.TextField("lỗi", blank=True)
    message = models.CharField("lời nhắn cho chủ trọ", max_length=300, blank=True)
    permanent = models.BooleanField("lỗi không thử lại được", default=False)
    retry_after = models.DateTimeField("thử lại sau", null=True, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    enqueued_at = models.DateTimeField("gửi vào hàng đợi lúc", null=True, blank=True)
    # A worker took the job's message (Celery's task_received) and has not started it yet: with late
    # acknowledgement and a prefetch of one, a live worker starts it within moments.
    received_at = models.DateTimeField("tiến trình xử lý nhận lúc", null=True, blank=True)
    started_at = models.DateTimeField("bắt đầu", null=True, blank=True)
    finished_at = models.DateTimeField("kết thúc", null=True, blank=True)

    objects = TaggingJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "lượt gắn thẻ"
        verbose_name_plural = "lượt gắn thẻ"

    def __str__(self) -> str:
        return f"#{self.pk} phòng {self.room_id} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def will_retry(self) -> bool:
        """A failed job the requeue will send again (a transient cause)."""
        return self.status == self.Status.FAILED and not self.permanent and self.retry_after is not None

    # -- state changes (as healthchecks keeps them: one method per transition) --------------------
    def mark_running(self) -> None:
        self.status, self.started_at, self.received_at = self.Status.RUNNING, timezone.now(), None
        self.attempts += 1
        self.save(update_fields=["status", "attempts", "started_at", "received_at"])

    def mark_done(self, model_version: str, mode: str) -> None:
        self.status, self.model_version, self.mode = self.Status.DONE, model_version, mode
        self.error, self.message, self.permanent, self.retry_after = "", "", False, None
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "model_version", "mode", "error", "message", "permanent", "retry_after",
                                 "finished_at"])

    def store_result(self, result, tags: dict, photo_ids: list[int] = ()) -> None:
        """The tagger's answer (a tagging.services.SuggestionResult) becomes this job's suggestions,
        replacing any an earlier delivery wrote, and the job is done.  ``tags``: {slug: Tag};
        ``photo_ids``: the RoomImage ids of the photos the tagger read, in the order it read them
        (its photo evidence names a photo by that order; stored by id)."""
        self.suggestions.all().delete()
        TagSuggestion.objects.bulk_create([
            TagSuggestion(room_id=self.room_id, job=self, tag=tags[s.slug], confidence=s.confidence,
                          threshold=s.threshold, evidence=photo_evidence_by_id(s.evidence, photo_ids),
                          source=s.source, model_version=result.model_version, conflict=s.conflict)
            for s in result.suggestions if s.slug in tags])
        # Suggestions of the room's earlier analyses still waiting for a review are closed: kept for
        # history, in no queue (a newer job finishing first leaves this one's open, as current).
        newer = TaggingJob.objects.done().filter(room_id=self.room_id, created_at__gt=self.created_at)
        if not newer.exists():
            (TagSuggestion.objects.filter(room_id=self.room_id, review=TagSuggestion.Review.PENDING)
             .exclude(job=self).update(review=TagSuggestion.Review.SUPERSEDED))
        self.mark_done(result.model_version, result.mode)

    def mark_retrying(self, error: str) -> None:
        """A transient failure; the task retries it shortly."""
        self.status, self.error = self.Status.QUEUED, error[:2000]
        self.save(update_fields=["status", "error"])

    def mark_failed(self, error: str, message: str, permanent: bool, retry_after=None) -> None:
        """Out of retries (``retry_after``: when the requeue tries again) or a permanent failure."""
        self.status, self.error, self.message = self.Status.FAILED, error[:2000], message[:300]
        self.permanent, self.retry_after = permanent, None if permanent else retry_after
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "message", "permanent", "retry_after", "finished_at"])

    def requeue(self) -> None:
        """Back in the queue: a dead worker's job, a lost message, a transient failure's later try."""
        self.status, self.retry_after, self.enqueued_at = self.Status.QUEUED, None, timezone.now()
        self.received_at = None
        self.save(update_fields=["status", "retry_after", "enqueued_at", "received_at"])

    @property
    def duration_ms(self) -> int | None:
        """Upload to suggestions: from the job's creation to its end."""
        if not self.finished_at:
            return None
        return int((self.finished_at - self.created_at).total_seconds() * 1000)


class TagSuggestion(models.Model):
    """What the model said about a room: a tag, a confidence, and why."""

    class Review(models.TextChoices):
        PENDING = "pending", "chờ duyệt"
        ACCEPTED = "accepted", "đã chấp nhận"
        REJECTED = "rejected", "đã từ chối"
        SUPERSEDED = "superseded", "đã có phân tích mới"    # closed: a newer analysis of the room replaced it

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="suggestions",
                             verbose_name="phòng")
    job = models.ForeignKey(TaggingJob, on_delete=models.CASCADE, related_name="suggestions",
                            verbose_name="lượt gắn thẻ")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="suggestions", verbose_name="đặc điểm")
    confidence = models.FloatField("độ tin cậy")
    threshold = models.FloatField("ngưỡng", default=0.5)
    # [{"start", "end", "text"}] spans of room.text_for_tagging, or [{"photo_id": RoomImage id}]
    evidence = models.JSONField("bằng chứng", default=list, blank=True)
    source = models.CharField("nguồn", max_length=10, default="text",
                              choices=[("text", "văn bản"), ("image", "ảnh"), ("both", "văn bản và ảnh")])
    model_version = models.CharField("phiên bản mô hình", max_length=100, db_index=True)
    review = models.CharField("duyệt", max_length=10, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="người duyệt")
    reviewed_at = models.DateTimeField("duyệt lúc", null=True, blank=True)
    # Text and photos disagree about a visual tag (tagging.conflicts); "" when they agree.
    conflict = models.CharField("văn bản và ảnh", max_length=20, blank=True, choices=[
        ("text_denies", "ảnh cho thấy, văn bản nói không có"),
        ("photos_deny", "văn bản nói có, ảnh không thấy")])
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    objects = TagSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-confidence"]
        constraints = [models.UniqueConstraint(fields=["job", "tag"], name="one_suggestion_per_job_and_tag")]
        verbose_name = "gợi ý đặc điểm"
        verbose_name_plural = "gợi ý đặc điểm"

    def __str__(self) -> str:
        return f"{self.tag} ({self.confidence:.0%}) – phòng #{self.room_id}"

    @property
    def above_threshold(self) -> bool:
        return self.confidence >= self.threshold

    @property
    def photo_id(self) -> int | None:
        """The id of the RoomImage that drove this suggestion (evidence ``{"photo_id": id}``: by
        id, so that reordering the photos changes nothing)."""
        for e in self.evidence or ():
            if isinstance(e, dict) and isinstance(e.get("photo_id"), int):
                return e["photo_id"]
        return None

    def driving_photo(self, photos=None):
        """The RoomImage behind a photo suggestion (its thumbnail is the witness), or None (no
        photo evidence, or the photo is gone).  ``photos``: the room's images, when the caller
        already has them."""
        photo_id = self.photo_id
        if photo_id is None:
            return None
        photos = list(self.room.images.all()) if photos is None else photos
        return next((p for p in photos if p.pk == photo_id), None)


class RoomTag(models.Model):
    """A person's decision about a tag on a room: confirmed (shown and searchable) or removed."""

    class Source(models.TextChoices):
        AUTO = "auto", "tự động (chủ trọ chưa xác nhận)"
        MODEL = "model", "mô hình (được chủ trọ giữ)"
        LANDLORD = "landlord", "chủ trọ"
        ADMIN = "admin", "quản trị viên"

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "đã xác nhận"
        NEEDS_RECHECK = "recheck", "cần xác nhận lại"
        REMOVED = "removed", "đã bỏ"

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="room_tags",
                             verbose_name="phòng")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="room_tags", verbose_name="đặc điểm")
    status = models.CharField("trạng thái", max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    source = models.CharField("nguồn", max_length=10, choices=Source.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name="người quyết định")
    # The words (or "ảnh") that supported the tag when it was decided: a removed suggestion comes
    # back only when the text about it changed.
    evidence_text = models.TextField("bằng chứng lúc quyết định", blank=True)
    note = models.CharField("ghi chú", max_length=200, blank=True)
    # What the landlord had decided when an admin decided otherwise ("confirmed"/"removed"), for the
    # learning loop's report of how often admins overturn landlords; "" when not overturned.
    overturned_landlord = models.CharField("chủ trọ đã chọn (bị quản trị viên sửa)", max_length=10, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("lúc", auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "tag"], name="one_decision_per_room_and_tag")]
        # (tag, status, room): the tag filters' semi-joins; (room, status, tag): the per-tag counts.
        # Both cover their queries, so PostgreSQL answers them from the index alone.
        indexes = [models.Index(fields=["tag", "status", "room"], name="room_tag_tag_status_room"),
                   models.Index(fields=["room", "status", "tag"], name="room_tag_room_status_tag")]
        verbose_name = "đặc điểm của phòng"
        verbose_name_plural = "đặc điểm của phòng"

    def __str__(self) -> str:
        return f"{self.tag} – phòng #{self.room_id} ({self.get_status_display()})"

    @property
    def is_automatic(self) -> bool:
        return self.source == self.Source.AUTO

    def ask_again(self, note: str) -> None:
        """Hide the tag from renters until the landlord looks again ("cần xác nhận lại")."""
        self.status, self.note = self.Status.NEEDS_RECHECK, note[:200]
        self.save(update_fields=["status", "note", "updated_at"])

    def restore(self) -> None:
        """The evidence is back: the earlier confirmation holds again."""
        self.status, self.note = self.Status.CONFIRMED, ""
        self.save(update_fields=["status", "note", "updated_at"])
