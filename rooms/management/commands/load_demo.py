"""A few demo rooms, written for this project (no scraped text or photos), so a fresh site has
something to search.  They belong to the account "chu_tro_mau" (no password: it cannot log in),
have their right room types and a drawn illustration of that type (``rooms.illustrations``, never a
photo), are tagged by the real pipeline, and their suggested tags above threshold are confirmed.
Demo rooms made before the illustrations get theirs (and their type) on a rerun."""
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from django.core.files.uploadedfile import SimpleUploadedFile

from photos.processing import process_photo
from rooms.illustrations import illustration
from rooms.models import Room
from rooms.services import save_room
from tagging.decisions import save_landlord_tags
from tagging.jobs import run_job
from tagging.models import TaggingJob, TagSuggestion

DEMO_OWNER = "chu_tro_mau"

DEMO_ROOMS = [
    dict(room_type="phong_tro", title="[Phòng mẫu] Phòng trọ có gác lửng gần ĐH Bách Khoa",
         description="Phòng mới sửa, thoáng mát, có gác lửng và cửa sổ lớn.\n"
                     "- Máy lạnh, bình nóng lạnh, wifi miễn phí\n- WC riêng, kệ bếp nấu ăn\n"
                     "- Giờ giấc tự do, không chung chủ, chỗ để xe an ninh có camera\n"
                     "Cách ĐH Bách Khoa 5 phút đi bộ, gần chợ.",
         price=3_500_000, area="22", address="12 Lý Thường Kiệt (địa chỉ mẫu)", district="Quận 10",
         city="TP. Hồ Chí Minh"),
    dict(room_type="can_ho_mini", title="[Phòng mẫu] Căn hộ mini full nội thất, ban công, thang máy",
         description="Căn hộ mini 30m2 đầy đủ nội thất: giường nệm, tủ quần áo, tủ lạnh, máy giặt riêng, "
                     "smart tivi, bàn làm việc.\nBan công view thoáng, nhiều ánh sáng tự nhiên.\n"
                     "Tòa nhà có thang máy, bảo vệ 24/7, khóa vân tay, dọn vệ sinh hành lang hằng tuần.\n"
                     "Phù hợp vợ chồng trẻ hoặc người đi làm.",
         price=6_800_000, area="30", address="45 Nguyễn Trãi (địa chỉ mẫu)", district="Quận 1",
         city="TP. Hồ Chí Minh"),
    dict(room_type="o_ghep", title="[Phòng mẫu] KTX sleepbox cho sinh viên, giá rẻ",
         description="Ký túc xá sleepbox sạch sẽ, máy lạnh, wifi, máy giặt chung, sân phơi.\n"
                     "Giá sinh viên 1tr2/người, bao điện nước.\nKhông nuôi thú cưng. Ưu tiên nữ.\n"
                     "Gần trường ĐH Văn Lang và siêu thị.",
         price=1_200_000, area="8", address="7 Đặng Thùy Trâm (địa chỉ mẫu)", district="Bình Thạnh",
         city="TP. Hồ Chí Minh"),
    dict(room_type="phong_tro", title="[Phòng mẫu] Phòng rộng rãi trong hẻm xe hơi, yên tĩnh",
         description="Phòng 25m2 rộng rãi, yên tĩnh, khu dân trí cao, hẻm xe hơi.\n"
                     "Có máy lạnh, nước nóng, tủ áo, giường.\nĐiện nước giá nhà nước. Cho nuôi thú cưng nhỏ.\n"
                     "Không có thang máy.",
         price=4_200_000, area="25", address="88 Phan Xích Long (địa chỉ mẫu)", district="Phú Nhuận",
         city="TP. Hồ Chí Minh"),
    dict(room_type="phong_tro", title="[Phòng mẫu] Phòng khép kín gần Học viện Tài chính",
         description="Phòng khép kín có điều hoà, nóng lạnh, tủ lạnh.\nGần Học viện Tài chính và chợ, "
                     "phù hợp sinh viên. Giờ giấc thoải mái, chủ nhà ở riêng.",
         price=3_000_000, area="18", address="16 Đức Thắng (địa chỉ mẫu)", district="Bắc Từ Liêm",
         city="Hà Nội"),
    dict(room_type="can_ho_mini", title="[Phòng mẫu] Studio mới xây trung tâm Hải Châu",
         description="Studio mới xây 100%, full nội thất, ban công, cửa sổ lớn đón nắng.\n"
                     "Vị trí trung tâm, gần biển và chợ Hàn. Có thang máy và bãi đỗ xe.",
         price=5_500_000, area="28", address="20 Bạch Đằng (địa chỉ mẫu)", district="Hải Châu",
         city="Đà Nẵng"),
]


def _illustration(room_type: str):
    """The drawing of ``room_type`` as an upload would be stored (photo and thumbnails)."""
    return process_photo(SimpleUploadedFile(f"minh-hoa-{room_type}.jpg", illustration(room_type), "image/jpeg"))


class Command(BaseCommand):
    help = "Create the demo rooms (idempotent) owned by the account 'chu_tro_mau'."

    def handle(self, *args, **options):
        User = get_user_model()
        owner, created = User.objects.get_or_create(username=DEMO_OWNER)
        if created:
            owner.set_unusable_password()
            owner.save()
        made = 0
        for spec in DEMO_ROOMS:
            existing = Room.objects.filter(owner=owner, title=spec["title"]).first()
            if existing is not None:
                if not existing.images.exists():          # made before the illustrations
                    existing.room_type = spec["room_type"]
                    save_room(existing, price_vnd=existing.price_vnd, area_m2=existing.area_m2,
                              photos=[_illustration(spec["room_type"])])
                continue
            with transaction.atomic():
                room = Room(owner=owner, title=spec["title"], description=spec["description"],
                            address=spec["address"], district=spec["district"], city=spec["city"],
                            room_type=spec["room_type"])
                room, _ = save_room(room, price_vnd=spec["price"], area_m2=Decimal(spec["area"]),
                                    photos=[_illustration(spec["room_type"])])
            # Tag the demo rooms now, even where no worker is running yet (a job runs at most once
            # to completion, so the queued copy will find it done).
            job = TaggingJob.objects.latest_for(room)
            if job is not None and not job.is_finished:
                run_job(job.pk)
            ticked = {s.tag.slug for s in TagSuggestion.objects.current_for(room) if s.above_threshold}
            if ticked:
                save_landlord_tags(room, owner, ticked)
            made += 1
        self.stdout.write(self.style.SUCCESS(f"demo rooms: {made} created, {len(DEMO_ROOMS) - made} already there"))
