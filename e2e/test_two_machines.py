"""Two machines, simulated: "A" runs the web (this test process) and a worker, "B" runs a worker;
each has its own MEDIA_ROOT and they share only PostgreSQL, Redis and the object store (an
S3-protocol server over HTTP).  Landlords post on A, B tags, the suggestions appear, the thumbnails
render; then A's worker tags a post while B is gone.  Nothing is written to either machine's disk."""
import re
import urllib.request
from pathlib import Path

from django.urls import reverse

from e2e.conftest import wait_for
from rooms.models import Room
from tagging.models import TaggingJob, TagSuggestion


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def post_room(client, make_upload, title):
    return client.post(reverse("room_create"), {
        "title": title, "description": "Phòng có máy lạnh, giường, wifi, gần trường", "price": "3tr5",
        "area": "22", "address": "12 Lý Thường Kiệt", "district": "Quận 10", "city": "TP. Hồ Chí Minh",
        "photos": [make_upload("a.jpg", color=(180, 60, 60)), make_upload("b.jpg", color=(60, 60, 180))]})


def tagged(title):
    room = Room.objects.get(title=title)
    return wait_for(lambda: TaggingJob.objects.filter(room=room, status="done").first(), timeout=180,
                    what=f"a worker to tag {title!r}")


def test_web_and_worker_on_one_machine_another_worker_on_another(real_stack, s3_photos, client, make_upload,
                                                                  django_user_model, settings, tmp_path):
    from tagging.vocabulary import load_vocabulary

    _, s3_env, _ = s3_photos
    machine_a, machine_b = tmp_path / "machine-a" / "media", tmp_path / "machine-b" / "media"
    settings.MEDIA_ROOT = machine_a                  # the web process is machine A
    load_vocabulary()
    landlord = django_user_model.objects.create_user("chutro_hai_may", password="mat-khau-dai-123")
    client.force_login(landlord)
    model = {"MLCORE_CHECKPOINT": "default"}         # the shipped model: it reads the photos

    worker_b = real_stack.start_worker({**s3_env, **model, "MEDIA_ROOT": str(machine_b)}, name="machine-b")
    assert post_room(client, make_upload, "Phòng đăng ở máy A").status_code == 302
    job = tagged("Phòng đăng ở máy A")
    assert job.mode == "multimodal" and "succeeded" in real_stack.log_of("machine-b")     # B read the photos
    room = job.room
    assert TagSuggestion.objects.filter(room=room, tag__slug="dieu_hoa").exists()
    page = client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert 'value="dieu_hoa" checked' in page                                          # the suggestions appear
    search = client.get(reverse("search")).content.decode()
    thumbs = re.findall(r'<img[^>]+src="([^"]+/thumbs/[^"]+)"', search)
    assert thumbs, "no thumbnail on the search page"
    with urllib.request.urlopen(thumbs[0].replace("&amp;", "&"), timeout=10) as response:   # from the store
        assert response.status == 200 and response.read()[:2] == b"\xff\xd8"

    real_stack.kill_worker(worker_b)                 # machine B goes away; A's own worker carries on
    real_stack.start_worker({**s3_env, **model, "MEDIA_ROOT": str(machine_a)}, name="machine-a")
    assert post_room(client, make_upload, "Phòng đăng khi máy B tắt").status_code == 302
    assert tagged("Phòng đăng khi máy B tắt").mode == "multimodal"
    assert files_under(machine_a) == [] and files_under(machine_b) == []              # only the object store
