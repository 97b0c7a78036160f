"""Accounts (issue 22, item 8): the password rules before the first try, a password reset by
e-mail, and "Phòng của tôi" with each room's photo, whether it is listed, and what needs confirming."""
import re

from django.core import mail
from django.urls import reverse

from conftest import photo_bytes
from photos.processing import ProcessedPhoto


def test_the_signup_page_shows_the_password_rules_before_the_first_try(client):
    page = client.get(reverse("signup")).content.decode()
    assert 'id="id_password1_help"' in page and "<ul>" in page[page.index('id="id_password1_help"'):]
    assert 'name="email"' in page                                            # to get the password back


def test_a_forgotten_password_is_reset_by_email(client, django_user_model):
    django_user_model.objects.create_user("chutro_quen", email="chutro@example.vn", password="mat-khau-cu-123")
    login = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in login
    response = client.post(reverse("password_reset"), {"email": "chutro@example.vn"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and "Đặt lại mật khẩu" in mail.outbox[0].subject
    link = re.search(r"https?://[^/]+(/dat-lai-mat-khau/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                       {"new_password1": "Mat-khau-moi-456!", "new_password2": "Mat-khau-moi-456!"})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert django_user_model.objects.get(username="chutro_quen").check_password("Mat-khau-moi-456!")
    unknown = client.post(reverse("password_reset"), {"email": "khong-co@example.vn"})
    assert unknown.status_code == 302 and len(mail.outbox) == 1             # says nothing of who exists


def test_my_rooms_show_each_rooms_photo_state_and_what_to_confirm(landlord_client, room_factory):
    listed = room_factory(title="Phòng có ảnh", photos=[ProcessedPhoto(photo_bytes(), "jpg", 64, 48, "a.jpg",
                                                                        photo_bytes(), photo_bytes())])
    hidden = room_factory(title="Phòng đã cho thuê")
    hidden.is_listed = False
    hidden.save()
    page = landlord_client.get(reverse("my_rooms")).content.decode()
    assert listed.images.get().thumbnail_url in page
    assert "Đang hiện khi tìm kiếm" in page and "Đã ẩn: đã có người thuê" in page
    assert page.count("Chưa xác nhận đặc điểm") == 2                         # both still show automatic tags
