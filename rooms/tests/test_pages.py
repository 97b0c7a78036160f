from django.urls import reverse

from tagging.decisions import save_landlord_tags


def test_room_detail_shows_confirmed_tags_only(client, room_factory, landlord):
    room = room_factory(description="Phòng có máy lạnh, wifi")
    save_landlord_tags(room, landlord, {"dieu_hoa"})
    page = client.get(reverse("room_detail", args=[room.pk])).content.decode()
    assert "Điều hòa" in page and ">Wifi<" not in page
    assert "Sửa phòng" not in page  # a renter sees no owner links


def test_my_rooms_lists_own_rooms_with_tag_status(landlord_client, room_factory, landlord, django_user_model):
    mine = room_factory(title="Phòng của tôi A")
    other = django_user_model.objects.create_user("khac", password="x-mat-khau-123")
    room_factory(owner=other, title="Phòng người khác")
    save_landlord_tags(mine, landlord, {"dieu_hoa"})
    page = landlord_client.get(reverse("my_rooms")).content.decode()
    assert "Phòng của tôi A" in page and "Phòng người khác" not in page
    assert "Đã xác nhận 1 đặc điểm" in page


def test_signup_logs_in_and_goes_to_post_a_room(client, db):
    response = client.post(reverse("signup"), {"username": "chutro2", "password1": "mot-mat-khau-dai",
                                               "password2": "mot-mat-khau-dai"})
    assert response.status_code == 302 and response["Location"] == reverse("room_create")
    assert client.get(reverse("room_create")).status_code == 200


def test_load_demo_is_idempotent_and_confirms_tags(db, committed):
    from django.core.management import call_command

    from rooms.models import Room
    from tagging.vocabulary import load_vocabulary

    load_vocabulary()
    with committed():
        call_command("load_demo")
    call_command("load_demo")
    assert Room.objects.count() == 6
    assert all(room.confirmed_tags().exists() for room in Room.objects.all())      # six rooms, each tagged
    assert {r.title.split("] ")[1].split()[0]: r.room_type for r in Room.objects.all()} == {
        "Phòng": "phong_tro", "Căn": "can_ho_mini", "KTX": "o_ghep", "Studio": "can_ho_mini"}
    assert all(room.images.count() == 1 and room.images.get().thumbnail_webp for room in Room.objects.all())


def test_demo_rooms_made_before_the_illustrations_get_theirs(db, committed, client):
    """Issue 22, item 14: the README's run command gives cards that look complete: every demo room
    has its type and a drawn illustration (no grey "Chưa có ảnh" box)."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from rooms.management.commands import load_demo
    from rooms.models import Room
    from rooms.services import save_room
    from tagging.vocabulary import load_vocabulary

    load_vocabulary()
    owner = get_user_model().objects.create_user(load_demo.DEMO_OWNER)
    with committed():                                 # as an older load_demo made them: no type, no photo
        for spec in load_demo.DEMO_ROOMS[:2]:
            save_room(Room(owner=owner, title=spec["title"], description=spec["description"],
                           address=spec["address"], district=spec["district"], city=spec["city"]),
                      price_vnd=spec["price"], area_m2=Decimal(spec["area"]), photos=[])
    with committed():
        call_command("load_demo")
    assert Room.objects.count() == 6 and all(r.images.exists() for r in Room.objects.all())
    assert Room.objects.get(title=load_demo.DEMO_ROOMS[1]["title"]).room_type == "can_ho_mini"
    assert "Chưa có ảnh" not in client.get("/").content.decode()
