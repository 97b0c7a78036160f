"""Celery app: ``celery -A config worker``.  Without CELERY_BROKER_URL tasks run in-process."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")   # workers, beat: fail closed

app = Celery("phongtro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
