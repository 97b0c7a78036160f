import pytest
from django.core.management import call_command
from django.urls import reverse

from tagging.models import Tag


@pytest.mark.django_db
def test_load_tags_creates_the_vocabulary_and_is_idempotent(capsys):
    call_command("load_tags")
    assert "44 created" in capsys.readouterr().out
    Tag.objects.filter(slug="wifi").update(name="sai tên")
    call_command("load_tags")
    assert "0 created, 44 updated" in capsys.readouterr().out
    assert Tag.objects.count() == 44
    assert Tag.objects.get(slug="wifi").name == "Wifi"
    assert list(Tag.objects.values_list("slug", flat=True)[:2]) == ["dieu_hoa", "nong_lanh"]


@pytest.mark.django_db
def test_vocabulary_page_lists_tags(client):
    call_command("load_tags")
    page = client.get(reverse("vocabulary")).content.decode()
    assert "Điều hòa" in page and "thấy trên ảnh" in page
