"""A price far outside what rooms of that type and place cost is asked about once, gently
(issue 22, item 3): "350tr" for an 18 m² room in Bình Thạnh is probably a slip."""
from django.urls import reverse

from rooms.models import Room


def form_data(**overrides):
    data = {"title": "Phòng trọ Bình Thạnh", "description": "Phòng có máy lạnh", "price": "350tr", "area": "18",
            "address": "12 Xô Viết Nghệ Tĩnh", "district": "Bình Thạnh", "city": "TP. Hồ Chí Minh",
            "room_type": "phong_tro"}
    data.update(overrides)
    return data


def test_an_unlikely_rent_is_questioned_then_accepted_when_confirmed(landlord_client):
    response = landlord_client.post(reverse("room_create"), form_data())
    page = response.content.decode()
    assert response.status_code == 400 and not Room.objects.exists()
    assert "Giá 350 triệu/tháng có đúng không?" in page and 'name="price_confirmed"' in page
    assert "Phòng trọ thường trong khoảng 500.000 đ–15 triệu" in page      # few rooms yet: sensible bounds
    confirmed = landlord_client.post(reverse("room_create"), form_data(price_confirmed="on"))
    assert confirmed.status_code == 302 and Room.objects.get().price_vnd == 350_000_000


def test_the_usual_range_comes_from_the_rooms_of_that_type_and_place(landlord_client, room_factory):
    for i in range(8):
        room_factory(title=f"Phòng {i}", district="Bình Thạnh", price=2_500_000 + i * 250_000)
    ok = landlord_client.post(reverse("room_create"), form_data(price="3tr5", title="Phòng thường"))
    assert ok.status_code == 302                                             # within the usual range: no question
    page = landlord_client.post(reverse("room_create"), form_data(price="15tr")).content.decode()
    assert "Phòng trọ ở Bình Thạnh trên trang thường 2,5 triệu–4,25 triệu/tháng" in page
    assert landlord_client.post(reverse("room_create"), form_data(price="3k5")).status_code == 400   # 3.500 đ: too low


def test_an_edit_that_keeps_the_price_is_not_asked_again(landlord_client, room_factory):
    room = room_factory(price=350_000_000, district="Bình Thạnh")
    form = landlord_client.get(reverse("room_edit", args=[room.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "photos"}
    data.update({"description": "Phòng có máy lạnh, ban công", "loaded_version": room.edit_version,
                 "price": "350 triệu", "area": "18"})
    assert landlord_client.post(reverse("room_edit", args=[room.pk]), data).status_code == 302
