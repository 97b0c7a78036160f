import pytest
from django.urls import reverse

from tagging.decisions import save_landlord_tags


@pytest.mark.django_db
def test_extract_features_text_only(client, vocabulary):
    response = client.post(reverse("api_extract_features"), {"description": "Phòng mát, có máy lạnh, gần trường"})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["mode"] == "text-only"
    slugs = {f["slug"] for f in body["features"]}
    assert {"dieu_hoa", "gan_truong", "thoang_mat"} <= slugs
    feature = next(f for f in body["features"] if f["slug"] == "dieu_hoa")
    assert feature["feature"] == "Điều hòa" and 0 < feature["confidence"] <= 1
    assert feature["evidence"] == [{"start": 14, "end": 22, "text": "máy lạnh"}]


@pytest.mark.django_db
def test_extract_features_with_an_image(client, make_upload, settings):
    """The default model reads the photo too."""
    settings.MLCORE_CHECKPOINT = "default"
    response = client.post(reverse("api_extract_features"),
                           {"description": "Có máy lạnh", "image": make_upload("p.jpg")})
    assert response.status_code == 200 and response.json()["success"] is True
    assert response.json()["mode"] == "multimodal"
    assert "dieu_hoa" in {f["slug"] for f in response.json()["features"]}


@pytest.mark.django_db
def test_extract_features_with_the_lexicon_ignores_photos(client, make_upload, settings):
    settings.MLCORE_CHECKPOINT = "lexicon"
    response = client.post(reverse("api_extract_features"),
                           {"description": "Có máy lạnh", "image": make_upload("p.jpg")})
    assert response.status_code == 200 and response.json()["success"] is True
    assert response.json()["mode"] == "text-only"   # the lexicon reads no photos


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({}, "Thiếu mô tả"),
    ({"description": "   "}, "Thiếu mô tả"),
])
def test_extract_features_requires_a_description(client, data, message):
    response = client.post(reverse("api_extract_features"), data)
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "Thiếu mô tả (trường 'description' là bắt buộc)."}


@pytest.mark.django_db
def test_extract_features_rejects_a_bad_image_with_a_message(client, make_upload):
    response = client.post(reverse("api_extract_features"),
                           {"description": "Có máy lạnh", "image": make_upload("x.jpg", content=b"garbage")})
    assert response.status_code == 400
    assert response.json()["error"] == "“x.jpg” không phải ảnh hợp lệ hoặc đã bị hỏng."


@pytest.mark.django_db
def test_extract_features_never_shows_an_exception(client, monkeypatch):
    from tagging import api

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api, "suggest_tags", boom)
    response = client.post(reverse("api_extract_features"), {"description": "Có máy lạnh"})
    assert response.status_code == 503
    assert "secret" not in response.content.decode() and response.json()["success"] is False


def test_rooms_api_filters_like_the_search_page(client, room_factory, landlord):
    a = room_factory(title="Phòng điều hòa", description="Có điều hòa", price=3_000_000)
    b = room_factory(title="Phòng quạt", description="Có quạt", price=2_000_000)
    save_landlord_tags(a, landlord, {"dieu_hoa"})
    body = client.get(reverse("api_rooms"), {"dac_diem": "dieu_hoa"}).json()
    assert body["count"] == 1 and body["results"][0]["id"] == a.pk
    assert body["results"][0]["tags"] == [{"slug": "dieu_hoa", "name": "Điều hòa"}]
    body = client.get(reverse("api_rooms"), {"q": "dieu hoa"}).json()
    assert [r["id"] for r in body["results"]] == [a.pk]
    body = client.get(reverse("api_rooms"), {"sap_xep": "gia_tang"}).json()
    assert [r["id"] for r in body["results"]] == [b.pk, a.pk]
    assert client.get(reverse("api_rooms"), {"gia_tu": "abc"}).status_code == 400
    detail = client.get(reverse("api_room", args=[a.pk])).json()
    assert detail["title"] == "Phòng điều hòa" and detail["price_vnd"] == 3_000_000


def test_jobs_api_for_the_owner_only(client, room_factory, landlord, django_user_model):
    room = room_factory()
    job = room.tagging_jobs.get()
    assert client.get(reverse("api_job", args=[job.pk])).status_code == 403
    other = django_user_model.objects.create_user("khac", password="x-mat-khau-123")
    client.force_login(other)
    assert client.get(reverse("api_job", args=[job.pk])).status_code == 404
    client.force_login(landlord)
    body = client.get(reverse("api_job", args=[job.pk])).json()
    assert body["status"] == "done" and body["attempts"] == 1 and body["suggestions"] > 0
    assert body["duration_ms"] is not None


@pytest.mark.django_db
def test_openapi_schema(client):
    response = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    for path in ["/api/extract-features", "/api/rooms/", "/api/rooms/{id}/", "/api/jobs/{id}/"]:
        assert path in schema["paths"]


@pytest.mark.django_db
def test_extract_features_is_rate_limited(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.EXTRACT_FEATURES_RATE = "2/min"
    responses = [client.post(reverse("api_extract_features"), {"description": "máy lạnh"}) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[-1]["Retry-After"] == "60"                # the window of the one rate limiter
    cache.clear()


@pytest.mark.django_db
def test_a_description_sent_as_a_file_is_a_json_400(client, make_upload):
    response = client.post(reverse("api_extract_features"), {"description": make_upload("mo_ta.txt", content=b"abc")})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert response.json() == {"success": False, "error": "Trường 'description' phải là văn bản, không phải tệp."}
