"""python manage.py clean_photo_drafts [--hours H]: delete photos uploaded for a post that was never sent."""
from django.core.management.base import BaseCommand

from rooms.drafts import clean_abandoned


class Command(BaseCommand):
    help = "Xóa các ảnh đã tải lên cho một tin chưa bao giờ được đăng (quá PHOTO_DRAFT_HOURS giờ)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None, help="tuổi tối thiểu (mặc định PHOTO_DRAFT_HOURS)")

    def handle(self, *args, hours=None, **options):
        self.stdout.write(f"Đã xóa {clean_abandoned(hours)} ảnh tạm bị bỏ.")
