"""python manage.py retag_all [--model VERSION] [--chunk N]"""
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tagging.jobs import rooms_to_retag
from tagging.serving import get_tagger
from tagging.tasks import retag_rooms


class Command(BaseCommand):
    help = ("Gắn thẻ lại mọi phòng bằng mô hình hiện dùng, theo từng lô (tác vụ Celery), giữ mọi quyết định "
            "của chủ trọ và quản trị viên. Chạy lại thì tiếp tục từ chỗ dừng: phòng đã có gợi ý của phiên bản này được bỏ qua.")

    def add_arguments(self, parser):
        parser.add_argument("--model", help="phiên bản mô hình cần có (mặc định: phiên bản đang dùng)")
        parser.add_argument("--chunk", type=int, default=50, help="số phòng mỗi tác vụ")
        parser.add_argument("--timeout", type=float, default=3600, help="giây chờ các worker làm xong")

    def handle(self, *args, model, chunk, timeout, **options):
        version = get_tagger().version
        if model and model != version:
            raise CommandError(f"Mô hình đang dùng là {version}, không phải {model}: đổi MLCORE_CHECKPOINT "
                               "(của web và các worker) trước.")
        todo = list(rooms_to_retag(version))
        total = len(todo)
        if not total:
            self.stdout.write(f"Mọi phòng đã có gợi ý của {version}.")
            return
        started = time.monotonic()
        for i in range(0, total, chunk):
            retag_rooms.delay(todo[i:i + chunk])
        with tqdm(total=total, unit="phòng", desc=f"Gắn lại thẻ ({version})", file=sys.stderr,
                  disable=options.get("verbosity", 1) == 0) as progress:
            left = total
            while left and time.monotonic() - started < timeout:
                now_left = rooms_to_retag(version).filter(pk__in=todo).count()
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
