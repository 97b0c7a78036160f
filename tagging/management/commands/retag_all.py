"""python manage.py retag_all [--model VERSION] [--chunk N] [--all]"""
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from django.utils import timezone

from tagging.jobs import rooms_retagged_since, rooms_to_retag
from tagging.serving import get_tagger
from tagging.tasks import retag_rooms


class Command(BaseCommand):
    help = ("Gắn thẻ lại mọi phòng bằng mô hình hiện dùng, theo từng lô (tác vụ Celery), giữ mọi quyết định "
            "của chủ trọ và quản trị viên. Chạy lại thì tiếp tục từ chỗ dừng: phòng đã có gợi ý của phiên bản này được bỏ qua.")

    def add_arguments(self, parser):
        parser.add_argument("--model", help="phiên bản mô hình cần có (mặc định: phiên bản đang dùng)")
        parser.add_argument("--chunk", type=int, default=50, help="số phòng mỗi tác vụ")
        parser.add_argument("--timeout", type=float, default=3600, help="giây chờ các worker làm xong")
        parser.add_argument("--all", action="store_true", dest="every_room",
                            help="gắn lại cả những phòng đã có gợi ý của phiên bản này (đo tốc độ, thử lại)")

    def handle(self, *args, model, chunk, timeout, every_room=False, **options):
        version = get_tagger().version
        if model and model != version:
            raise CommandError(f"Mô hình đang dùng là {version}, không phải {model}: đổi MLCORE_CHECKPOINT "
                               "(của web và các worker) trước.")
        todo = list(rooms_to_retag(None if every_room else version))
        total = len(todo)
        if not total:
            self.stdout.write(f"Mọi phòng đã có gợi ý của {version}.")
            return
        started, since = time.monotonic(), timezone.now()
        for i in range(0, total, chunk):
            retag_rooms.delay(todo[i:i + chunk])
        with tqdm(total=total, unit="phòng", desc=f"Gắn lại thẻ ({version})", file=sys.stderr,
                  disable=options.get("verbosity", 1) == 0) as progress:
            left = total
            while left and time.monotonic() - started < timeout:
                now_left = total - rooms_retagged_since(todo, since)
                progress.update(left - now_left)
                left = now_left
                if left:
                    time.sleep(1)
        elapsed = time.monotonic() - started
        done = total - left
        self.stdout.write(f"Đã gắn lại {done}/{total} phòng bằng {version} trong {elapsed:.1f} s "
                          f"({done / elapsed:.1f} phòng/giây).")
        if left:
            raise CommandError(f"Còn {left} phòng chưa xong sau {timeout:.0f} s; chạy lại lệnh để tiếp tục.")
