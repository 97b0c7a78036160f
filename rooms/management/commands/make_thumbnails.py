"""python manage.py make_thumbnails: the list thumbnails (JPEG and WebP) of photos stored before them."""
import sys

from django.core.management.base import BaseCommand
from django.db.models import Q
from tqdm import tqdm

from rooms.models import RoomImage


class Command(BaseCommand):
    help = ("Tạo ảnh thu nhỏ (dùng trong danh sách tìm kiếm) cho các ảnh phòng được lưu trước khi có ảnh thu "
            "nhỏ; chạy lại không làm gì thêm.")

    def handle(self, *args, **options):
        missing = RoomImage.objects.filter(Q(thumbnail="") | Q(thumbnail_webp="")).order_by("pk")
        made, failed = 0, []
        with tqdm(total=missing.count(), unit="ảnh", desc="Ảnh thu nhỏ", file=sys.stderr,
                  disable=options.get("verbosity", 1) == 0) as progress:
            for photo in missing.iterator():
                try:
                    photo.make_thumbnail()
                    made += 1
                except (OSError, ValueError) as exc:      # a missing or unreadable file: the others go on
                    failed.append(f"{photo} ({photo.image.name}): {exc}")
                progress.update()
        for line in failed:
            self.stderr.write(line)
        self.stdout.write(f"Đã tạo {made} ảnh thu nhỏ, lỗi {len(failed)}.")
        if failed:
            sys.exit(1)
