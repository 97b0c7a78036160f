from django.apps import AppConfig


class TaggingConfig(AppConfig):
    name = "tagging"
    verbose_name = "Gắn thẻ đặc điểm"

    def ready(self):
        # Every process (web, worker, commands) registers the Celery tasks, which jobs sends by name.
        from . import tasks  # noqa: F401
