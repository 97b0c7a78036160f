"""Lists show small thumbnails made at upload; the room page keeps the photo itself; a thumbnail
goes with its photo."""
import io
import os

from django.urls import reverse
from PIL import Image

from photos.processing import process_photo
from rooms.models import RoomImage


def test_an_upload_gives_a_small_jpeg_thumbnail_of_the_same_photo(make_upload, settings):
    settings.ROOM_PHOTO_THUMB_SIDE = 480
    photo = process_photo(make_upload("IMG_0001.jpg", size=(4000, 3000), color=(200, 40, 40)))
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert thumb.format == "JPEG" and thumb.size == (480, 360)
    assert len(photo.thumbnail) < len(photo.content) / 4
    r, g, b = thumb.convert("RGB").getpixel((240, 180))
    assert r > 150 and g < 90 and b < 90                    # the photo's colour, not a placeholder
    small = process_photo(make_upload("small.png", fmt="PNG", size=(64, 48)))
    assert Image.open(io.BytesIO(small.thumbnail)).size == (64, 48)     # never enlarged


def test_search_and_the_form_show_thumbnails_and_the_room_page_the_photo(client, landlord_client, room_factory,
                                                                        make_upload, committed):
    room = room_factory(title="Phòng có ảnh", photos=[process_photo(make_upload("a.jpg", size=(1200, 900)))])
    photo = room.images.get()
    assert photo.thumbnail and photo.thumbnail.name != photo.image.name
    search = client.get(reverse("search")).content.decode()
    assert photo.thumbnail.url in search and photo.image.url not in search
    page = client.get(reverse("room_detail", args=[room.pk])).content.decode()
    assert photo.image.url in page
    form = landlord_client.get(reverse("room_edit", args=[room.pk])).content.decode()
    assert photo.thumbnail.url in form


def test_a_photo_stored_before_thumbnails_is_listed_with_the_photo_itself(client, room_factory, make_upload):
    room = room_factory(title="Phòng cũ", photos=[process_photo(make_upload("a.jpg"))])
    photo = room.images.get()
    photo.thumbnail.delete(save=True)
    assert RoomImage.objects.get(pk=photo.pk).thumbnail_url == photo.image.url
    assert photo.image.url in client.get(reverse("search")).content.decode()


def test_a_removed_photo_and_a_deleted_room_take_their_thumbnails(landlord_client, room_factory, make_upload,
                                                                   committed):
    room = room_factory(photos=[process_photo(make_upload("a.jpg")), process_photo(make_upload("b.jpg"))])
    first, second = room.images.order_by("position")
    paths = {img.pk: (img.image.path, img.thumbnail.path) for img in (first, second)}
    assert len(paths) == 2 and all(os.path.exists(p) for pair in paths.values() for p in pair)
    with committed():
        landlord_client.post(reverse("room_edit", args=[room.pk]), {
            "title": room.title, "description": room.description, "price": "3 triệu", "area": "20",
            "address": room.address, "district": room.district, "city": room.city, "is_listed": "on",
            "remove_photos": [first.pk]})
    assert not any(os.path.exists(p) for p in paths[first.pk])
    assert len(paths[second.pk]) == 2 and all(os.path.exists(p) for p in paths[second.pk])
    with committed():
        landlord_client.post(reverse("room_delete", args=[room.pk]))
    assert not any(os.path.exists(p) for p in paths[second.pk])


def test_make_thumbnails_fills_in_the_photos_stored_before_thumbnails(room_factory, make_upload):
    import pytest
    from django.core.management import call_command

    room = room_factory(photos=[process_photo(make_upload("a.jpg", size=(1600, 1200), color=(30, 30, 200))),
                                process_photo(make_upload("b.jpg"))])
    first, second = room.images.order_by("position")
    for photo in (first, second):
        photo.thumbnail.delete(save=True)
    os.remove(second.image.path)                         # a file lost on disk: reported, the rest goes on
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("make_thumbnails", stdout=out, stderr=io.StringIO(), verbosity=0)
    assert "Đã tạo 1 ảnh thu nhỏ, lỗi 1" in out.getvalue()
    first.refresh_from_db()
    thumb = Image.open(first.thumbnail.path)
    assert thumb.size == (480, 360) and thumb.convert("RGB").getpixel((240, 180))[2] > 150
    second.delete()
    out = io.StringIO()
    call_command("make_thumbnails", stdout=out, verbosity=0)      # nothing left to do
    assert "Đã tạo 0 ảnh thu nhỏ, lỗi 0" in out.getvalue()


def test_palette_one_bit_and_16_bit_pngs_get_thumbnails_too(make_upload):
    """Image.reduce refuses these modes: a screenshot saved as a palette PNG must not fail the upload."""
    for mode in ("P", "1", "I;16", "LA"):
        image = Image.new("I;16", (1200, 900), 3000) if mode == "I;16" else \
            Image.new("RGB", (1200, 900), (200, 40, 40)).convert(mode)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        photo = process_photo(make_upload(f"shot-{mode}.png", fmt="PNG", content=buffer.getvalue()))
        assert Image.open(io.BytesIO(photo.thumbnail)).size == (480, 360), mode


def test_cards_offer_a_webp_thumbnail_with_its_size_and_load_below_the_fold_lazily(client, room_factory):
    """Fast on a renter's phone: a WebP thumbnail where the browser takes it (the JPEG otherwise),
    width and height set (no layout shift), the first cards fetched first and the rest lazily."""
    import re

    from conftest import photo_bytes
    from photos.processing import process_photo
    from django.core.files.uploadedfile import SimpleUploadedFile

    for i in range(4):
        upload = SimpleUploadedFile("p.jpg", photo_bytes(size=(1600, 1200), color=(30 * i, 90, 160)), "image/jpeg")
        room_factory(title=f"Phòng {i}", photos=[process_photo(upload)])
    page = client.get("/?sap_xep=moi_nhat").content.decode()
    pictures = re.findall(r"<picture>(.*?)</picture>", page)
    assert len(pictures) == 4
    for n, picture in enumerate(pictures):
        assert re.search(r'<source type="image/webp" srcset="[^"]+\.webp">', picture)
        assert 'width="480" height="360"' in picture
        assert ('loading="lazy"' in picture) == (n >= 2) and ('fetchpriority="high"' in picture) == (n < 2)
