"""manage.py export_training_data: people's final decisions as mlcore training data."""
import json

from django.core.management import call_command

from mlcore.data import read_jsonl
from tagging.decisions import review_suggestions, save_landlord_tags
from tagging.models import TagSuggestion


def test_final_decisions_are_exported_with_who_decided(room_factory, landlord, admin_user, tmp_path, capsys):
    decided = room_factory(title="Phòng A", description="Phòng có máy lạnh, wifi, ban công")
    save_landlord_tags(decided, landlord, {"dieu_hoa", "ban_cong", "gac_lung"})       # wifi removed
    review_suggestions(TagSuggestion.objects.filter(room=decided, tag__slug="wifi"), admin_user, accept=True)
    review_suggestions(TagSuggestion.objects.filter(room=decided, tag__slug="ban_cong"), admin_user, accept=True)
    room_factory(title="Phòng B", description="Phòng có thang máy")                    # automatic tags only
    out = tmp_path / "quyet-dinh.jsonl"
    call_command("export_training_data", "--out", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == f"room-{decided.pk}" and row["text"] == "Phòng A\nPhòng có máy lạnh, wifi, ban công"
    assert row["tags"] == ["dieu_hoa", "wifi", "gac_lung", "ban_cong"] and row["negatives"] == []
    assert row["decided_by"] == {"dieu_hoa": "landlord", "wifi": "admin", "gac_lung": "landlord", "ban_cong": "admin"}
    printed = capsys.readouterr().out
    assert "1 phòng" in printed and "sửa lại chủ trọ 1 lần (50%)" in printed     # wifi overturned, ban_cong agreed
    examples = read_jsonl(out)                                                    # mlcore reads it as labelled data
    assert examples[0].tags == ["dieu_hoa", "wifi", "gac_lung", "ban_cong"]


def test_removed_suggestions_are_negatives_and_since_filters(room_factory, landlord, tmp_path):
    room = room_factory(description="Phòng có máy lạnh, wifi")
    save_landlord_tags(room, landlord, {"dieu_hoa"})
    out = tmp_path / "a.jsonl"
    call_command("export_training_data", "--out", str(out))
    assert json.loads(out.read_text())["negatives"] == ["wifi"]
    call_command("export_training_data", "--out", str(out), "--since", "2999-01-01")
    assert out.read_text() == ""


def test_the_rooms_photos_are_copied_from_their_storage_beside_the_export(room_factory, landlord, tmp_path):
    """Photos are read through the storage API (disk or object store), never by a local path, and
    written beside the export where mlcore's training reads them."""
    from conftest import photo_bytes
    from photos.processing import ProcessedPhoto

    room = room_factory(description="Phòng có máy lạnh",
                        photos=[ProcessedPhoto(photo_bytes(color=(7, 8, 9)), "jpg", 64, 48, "a.jpg")])
    save_landlord_tags(room, landlord, {"dieu_hoa"})
    out = tmp_path / "out" / "decided.jsonl"
    out.parent.mkdir()
    call_command("export_training_data", "--out", str(out))
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["images"] == [f"decided_photos/room-{room.pk}-1.jpg"]
    with room.images.get().image.open("rb") as stored:
        assert (out.parent / row["images"][0]).read_bytes() == stored.read()
