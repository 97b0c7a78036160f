"""python manage.py export_training_data --out FILE.jsonl [--since YYYY-MM-DD]"""
import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tagging.training_export import export_training_data


class Command(BaseCommand):
    help = ("Xuất các quyết định của chủ trọ và quản trị viên về đặc điểm phòng thành dữ liệu huấn luyện "
            "(JSONL của mlcore: tags xác nhận, negatives đã bỏ, ai quyết định và lúc nào; ảnh của phòng "
            "được chép vào thư mục FILE_photos bên cạnh).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--since", help="chỉ các phòng có quyết định từ ngày này (YYYY-MM-DD)")

    def handle(self, *args, out: Path, since: str | None, **options):
        start = None
        if since:
            try:
                day = datetime.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"Ngày không hợp lệ: {since} (định dạng YYYY-MM-DD)") from None
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        photos = out.with_name(out.stem + "_photos")      # the rooms' photos, copied from their storage
        with out.open("w", encoding="utf-8") as stream:
            report = export_training_data(stream, start, photos_dir=photos)
        self.stdout.write(f"{report.rooms} phòng → {out}")
        for slug in sorted(set(report.positives) | set(report.negatives)):
            self.stdout.write(f"  {slug:<20} xác nhận {report.positives[slug]:>5}  bỏ {report.negatives[slug]:>5}")
        self.stdout.write(f"quản trị viên quyết định {report.admin_decisions} đặc điểm, sửa lại chủ trọ "
                          f"{report.overturned} lần ({report.overturn_rate:.0%})")
