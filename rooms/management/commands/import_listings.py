"""python manage.py import_listings FILE.jsonl --owner USERNAME [--accept-suggestions]"""
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from rooms.importing import import_listings, import_owner


class Command(BaseCommand):
    help = ("Nhập tin đăng từ tệp JSONL (mỗi dòng một tin: external_id, title, description, price, area_m2, "
            "city, district, address, images…) như chủ trọ tự đăng; nhập lại cùng tệp không thay đổi gì.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--owner", required=True, help="tài khoản đứng tên các tin (tạo mới nếu chưa có)")
        parser.add_argument("--accept-suggestions", action="store_true",
                            help="xác nhận các đặc điểm được gợi ý sẵn khi gắn thẻ xong")

    def handle(self, *args, file: Path, owner: str, accept_suggestions: bool, **options):
        if not file.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}")
        with file.open("rb") as f:      # counted in chunks: no line is held whole, no byte decoded
            total = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        user = import_owner(owner)
        with tqdm(total=total, unit="tin", desc="Nhập tin", file=sys.stderr,
                  disable=options.get("verbosity", 1) == 0) as progress:
            report = import_listings(file, user, accept_suggestions=accept_suggestions, progress=progress)
        for line in report.errors:
            self.stderr.write(line)
        self.stdout.write(f"Tạo mới {report.created}, cập nhật {report.updated}, không đổi {report.unchanged}, "
                          f"lỗi {report.failed}.")
        if report.failed:
            sys.exit(1)
