import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_form_is_shown(client):
    response = client.get(reverse("try_tagger"))
    assert response.status_code == 200
    assert "Mô tả phòng" in response.content.decode()


@pytest.mark.django_db
def test_suggestions_with_confidence_and_highlighted_evidence(client):
    response = client.post(reverse("try_tagger"), {"description": "Phòng mát, có điều hoà, gần trường"})
    page = response.content.decode()
    assert response.status_code == 200
    names = [s.name for s in response.context["suggestions"]]
    assert {"Điều hòa", "Gần trường", "Thoáng mát"} <= set(names)
    assert '<mark title="Điều hòa">điều hoà</mark>' in page
    assert "từ: “điều hoà”" in page


@pytest.mark.django_db
def test_description_is_escaped(client):
    response = client.post(reverse("try_tagger"), {"description": "<script>alert(1)</script> có máy lạnh"})
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.django_db
def test_empty_description_is_a_clear_error(client):
    response = client.post(reverse("try_tagger"), {"description": "   "})
    assert response.status_code == 400
    assert "Vui lòng nhập mô tả phòng." in response.content.decode()


@pytest.mark.django_db
def test_too_long_description_is_refused(client, settings):
    settings.TAGGING_MAX_TEXT_CHARS = 50
    response = client.post(reverse("try_tagger"), {"description": "có máy lạnh " * 10})
    assert response.status_code == 400
    assert "Mô tả quá dài" in response.content.decode()


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("try_tagger"), {"description": "máy lạnh"})
    assert response.status_code == 403
