from django.core.management.base import BaseCommand

from tagging.jobs import requeue_stale


class Command(BaseCommand):
    help = ("Gửi lại các lượt gắn thẻ bị treo (worker chết, tin nhắn thất lạc, lỗi tạm thời đến hạn thử lại). "
            "Celery beat chạy việc này mỗi 30 giây; lệnh này để chạy tay khi cần.")

    def handle(self, *args, **options):
        sent, failed = requeue_stale()
        self.stdout.write(f"requeued {sent} job(s); {failed} could not be sent")
