"""Rooms' periodic work, run by Celery beat (settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task


@shared_task(name="rooms.clean_photo_drafts", ignore_result=True)
def clean_photo_drafts() -> str:
    from .drafts import clean_abandoned

    return f"deleted {clean_abandoned()} abandoned photo drafts"
