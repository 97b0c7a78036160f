"""An unlisted (rented) room is private: its page and API entry, with the contact phone, answer 404
to everyone but its owner and staff."""
import pytest
from django.urls import reverse


@pytest.fixture
def unlisted_room(room_factory):
    room = room_factory(title="Phòng đã cho thuê")
    room.contact_phone = "0901234567"
    room.is_listed = False
    room.save()
    return room


def test_strangers_get_404_for_an_unlisted_room(unlisted_room, client, django_user_model):
    page, api = reverse("room_detail", args=[unlisted_room.pk]), reverse("api_room", args=[unlisted_room.pk])
    assert client.get(page).status_code == 404 and client.get(api).status_code == 404
    client.force_login(django_user_model.objects.create_user("nguoi_khac", password="mat-khau-dai-456"))
    assert client.get(page).status_code == 404 and client.get(api).status_code == 404


def test_the_owner_and_staff_still_see_it(unlisted_room, landlord_client, admin_client):
    page, api = reverse("room_detail", args=[unlisted_room.pk]), reverse("api_room", args=[unlisted_room.pk])
    for c in (landlord_client, admin_client):
        assert "0901234567" in c.get(page).content.decode()
        assert c.get(api).json()["contact_phone"] == "0901234567"


def test_a_listed_room_is_public(room_factory, client):
    room = room_factory(title="Phòng còn trống")
    assert client.get(reverse("room_detail", args=[room.pk])).status_code == 200
    assert client.get(reverse("api_room", args=[room.pk])).status_code == 200
