"""One of each (issue "One house", item 6): one room-type vocabulary, one rate limiter, one money
reader; each used by every place that needs it."""
import pytest

from mlcore.room_types import ROOM_TYPE_LIST, ROOM_TYPES, TAG_ROOM_TYPES
from mlcore.vocab import default_vocabulary


@pytest.mark.django_db
def test_one_room_type_vocabulary_for_the_model_field_the_filter_the_api_and_the_box():
    from rooms.api import SEARCH_PARAMETERS
    from rooms.models import Room, RoomType
    from rooms.search import SearchForm

    assert RoomType.values == [t.slug for t in ROOM_TYPE_LIST] == list(ROOM_TYPES)
    assert RoomType("o_ghep").label == "Ở ghép"
    assert Room._meta.get_field("room_type").choices == RoomType.choices
    assert [v for v, _ in SearchForm().fields["loai"].choices if v] == RoomType.values
    loai = next(p for p in SEARCH_PARAMETERS if p.name == "loai")
    assert loai.enum == RoomType.values
    tagged = {t.slug for t in default_vocabulary() if t.group == "loai_phong"}
    assert TAG_ROOM_TYPES == tagged and tagged <= set(ROOM_TYPES)


def test_one_rate_limiter_behind_the_api_the_try_page_and_signup(monkeypatch):
    import guard
    from tagging import api, views

    counted = []
    monkeypatch.setattr(guard, "allow", lambda scope, ident, rate: counted.append((scope, rate)) or True)
    assert issubclass(api.ExtractFeaturesThrottle, guard.RateThrottle)
    assert views.allow_request is guard.allow_request

    class Request:
        user = None
        META = {"REMOTE_ADDR": "203.0.113.9"}

    assert api.ExtractFeaturesThrottle().allow_request(Request(), None)
    assert guard.allow_request("extract_features", Request(), "EXTRACT_FEATURES_RATE")
    from django.conf import settings

    assert counted == [("extract_features", settings.EXTRACT_FEATURES_RATE)] * 2


@pytest.mark.parametrize("typed", ["2m5", "4 triệu rưỡi", "3k5"])
def test_one_money_reader(typed):
    from mlcore.money import money_value
    from rooms import pricing

    assert pricing.money_value is money_value
    assert money_value(typed) in {2_500_000, 4_500_000, 3_500}
