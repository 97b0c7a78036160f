from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = "Phòng cho thuê"

    def ready(self):
        from . import signals  # noqa: F401  (photo files deleted with their rows)
        from . import tasks  # noqa: F401  (registered with Celery: the drafts' clean-up)
