"""A NUL byte in a query string is a 400, on admin filters, pages and the API alike (PostgreSQL
cannot compare it: before, ``%00`` in an admin list filter was a 500)."""
from django.urls import reverse


def test_nul_in_an_admin_filter_is_a_400(admin_client, vocabulary):
    url = reverse("admin:tagging_tagsuggestion_changelist")
    assert admin_client.get(url + "?q=%00").status_code == 400
    assert admin_client.get(url + "?tag__id__exact=1%00").status_code == 400
    assert admin_client.get(url).status_code == 200


def test_nul_on_the_search_page_and_the_api(client, db):
    assert client.get(reverse("search") + "?q=ph%00ong").status_code == 400
    response = client.get(reverse("api_rooms") + "?q=%00")
    assert response.status_code == 400 and response.json()["success"] is False
    assert client.get(reverse("search") + "?q=phong").status_code == 200
