from django.urls import reverse

from rooms.models import RoomImage
from tagging.decisions import save_landlord_tags
from tagging.models import RoomTag, TaggingJob


def edit_data(room, **overrides):
    data = {"title": room.title, "description": room.description, "price": "3 triệu", "area": "20",
            "address": room.address, "district": room.district, "city": room.city, "is_listed": "on"}
    data.update(overrides)
    return data


def test_only_the_owner_can_edit(client, room_factory, django_user_model):
    room = room_factory()
    other = django_user_model.objects.create_user("khac", password="x-mat-khau-123")
    client.force_login(other)
    assert client.get(reverse("room_edit", args=[room.pk])).status_code == 404
    assert client.post(reverse("room_edit", args=[room.pk]), edit_data(room, title="Hack")).status_code == 404
    assert client.get(reverse("room_tags", args=[room.pk])).status_code == 404


def test_editing_text_retags_and_keeps_the_landlords_decisions(landlord_client, room_factory, landlord, committed):
    room = room_factory(description="Phòng có máy lạnh, wifi")
    save_landlord_tags(room, landlord, {"dieu_hoa", "ban_cong"})  # wifi unticked = removed
    with committed():
        response = landlord_client.post(reverse("room_edit", args=[room.pk]),
                                        edit_data(room, description="Phòng có máy lạnh, wifi, thang máy"))
    assert response.status_code == 302
    assert TaggingJob.objects.filter(room=room).count() == 2
    decisions = dict(RoomTag.objects.filter(room=room).values_list("tag__slug", "status"))
    assert decisions == {"dieu_hoa": "confirmed", "ban_cong": "confirmed", "wifi": "removed"}
    page = landlord_client.get(reverse("room_tags", args=[room.pk])).content.decode()
    assert 'value="thang_may" checked' in page       # new suggestion, above threshold
    assert 'value="wifi"' in page
    assert 'value="wifi" checked' not in page        # removed by the landlord stays removed
    assert "bạn đã bỏ đặc điểm này" in page


def test_editing_only_the_price_does_not_retag(landlord_client, room_factory):
    room = room_factory()
    landlord_client.post(reverse("room_edit", args=[room.pk]), edit_data(room, price="4tr"))
    room.refresh_from_db()
    assert room.price_vnd == 4_000_000
    assert TaggingJob.objects.filter(room=room).count() == 1


def test_adding_and_removing_photos_retags(landlord_client, room_factory, make_upload, committed):
    from conftest import photo_bytes
    from photos.processing import ProcessedPhoto

    room = room_factory(photos=[ProcessedPhoto(photo_bytes(), "jpg", 64, 48, "a.jpg")])
    old = room.images.get()
    old_path = old.image.path
    with committed():
        response = landlord_client.post(reverse("room_edit", args=[room.pk]), {
            **edit_data(room), "remove_photos": [old.pk], "photos": [make_upload("new.png", "PNG")]})
    assert response.status_code == 302
    assert list(RoomImage.objects.filter(room=room).values_list("position", flat=True)) == [0]
    import os
    assert not os.path.exists(old_path)
    assert TaggingJob.objects.filter(room=room).count() == 2


def test_unlisting_hides_the_room_from_search_but_keeps_its_page(landlord_client, room_factory, client):
    room = room_factory(title="Phòng đã cho thuê")
    response = landlord_client.post(reverse("room_edit", args=[room.pk]), {**edit_data(room), "is_listed": ""})
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.is_listed is False
    assert [r.pk for r in landlord_client.get(reverse("search")).context["page"]] == []
    assert landlord_client.get(reverse("api_rooms")).json()["count"] == 0
    assert "đã có người thuê" in landlord_client.get(reverse("room_detail", args=[room.pk])).content.decode()


def test_owner_deletes_a_room_with_its_photo_files(landlord_client, room_factory, committed, django_user_model):
    import os

    from conftest import photo_bytes
    from photos.processing import ProcessedPhoto
    from rooms.models import Room

    room = room_factory(photos=[ProcessedPhoto(photo_bytes(), "jpg", 64, 48, "a.jpg")])
    path = room.images.get().image.path
    other = django_user_model.objects.create_user("khac2", password="x-mat-khau-123")
    from django.test import Client

    stranger = Client()
    stranger.force_login(other)
    assert stranger.post(reverse("room_delete", args=[room.pk])).status_code == 404
    assert "Xóa phòng?" in landlord_client.get(reverse("room_delete", args=[room.pk])).content.decode()
    with committed():
        response = landlord_client.post(reverse("room_delete", args=[room.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("my_rooms")
    assert not Room.objects.filter(pk=room.pk).exists()
    assert not os.path.exists(path)
