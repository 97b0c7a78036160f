"""The room form in the order a landlord thinks (issue 22, item 4): what and where, price and
costs, photos, contact; each section folds."""
from django.urls import reverse


def test_the_form_goes_what_and_where_then_price_then_photos_then_contact(landlord_client):
    page = landlord_client.get(reverse("room_create")).content.decode()
    order = ["id_title", "id_description", "id_city", "id_address", "id_area", "id_price", "id_deposit",
             "id_water_price", "id_water_price_unit", "id_photos", "id_contact_phone"]
    positions = [page.index(f'id="{name}"') for name in order]
    assert positions == sorted(positions), dict(zip(order, positions))
    assert page.count('<details class="form-section') == 4
    assert [t in page for t in ("Phòng gì, ở đâu", "Giá và chi phí", "Liên hệ và tình trạng")] == [True] * 3
