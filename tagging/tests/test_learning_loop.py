"""The learning loop end to end, on a tiny model: rooms imported and tagged by the shipped model,
people decide (a landlord on the tag page, an admin in the review queue), the decisions are
exported, a new model is trained with them, the evaluation gate promotes it, and the site then
uses it: /ready names it and new suggestions come from it."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse


from mlcore.tests.tiny_checkpoint import write_tiny_checkpoint, write_tiny_training_data  # noqa: E402
from tagging.models import RoomTag, TagSuggestion  # noqa: E402

from mlcore.lexicon import LexiconTagger  # noqa: E402
from mlcore.rules_version import versioned  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
RULES = LexiconTagger().rules_hash          # the rules every tagger of this test reads


@pytest.mark.slow
@pytest.mark.django_db
def test_decisions_train_a_model_that_the_gate_promotes_and_the_site_uses(
        settings, client, admin_client, landlord, vocabulary, committed, tmp_path):
    from tagging import serving

    shipped = write_tiny_checkpoint(tmp_path / "shipped", version="loop-1", lexicon_prior=True)
    settings.MLCORE_CHECKPOINT = str(shipped)
    serving._tagger_cache.clear()
    recipe = write_tiny_training_data(tmp_path / "data", version="loop-2")

    # Rooms imported; the shipped model suggests their tags.
    listings = tmp_path / "rooms.jsonl"
    listings.write_text("".join(json.dumps({
        "external_id": f"r{i}", "title": f"Phòng số {i}", "description": text, "price": "3tr",
        "area_m2": 20, "address": f"{i} Đường A", "district": "Quận 1", "city": "TP. Hồ Chí Minh"},
        ensure_ascii=False) + "\n" for i, text in enumerate(
        ["Phòng có máy lạnh, ban công, wifi", "Phòng có máy lạnh, gác lửng", "Phòng rộng có máy lạnh"])),
        encoding="utf-8")
    with committed():          # the tagging jobs run when the import commits
        call_command("import_listings", str(listings), "--owner", landlord.username, verbosity=0)
    from rooms.models import Room

    first, second, _ = Room.objects.order_by("external_id")
    assert TagSuggestion.objects.filter(room=first, model_version=versioned("loop-1", RULES)).exists()

    # A landlord keeps some tags and removes the model's; an admin rejects a suggestion elsewhere.
    client.force_login(landlord)
    response = client.post(reverse("room_tags", args=[first.pk]), {"tags": ["ban_cong", "wifi"]})
    assert response.status_code == 302
    suggestion = TagSuggestion.objects.filter(room=second, tag__slug="dieu_hoa").latest("pk")
    response = admin_client.post(reverse("admin:tagging_tagsuggestion_changelist") + "?hang_cho=tat_ca",
                                 {"action": "reject", "_selected_action": [suggestion.pk]})
    assert response.status_code == 302
    assert RoomTag.objects.get(room=second, tag__slug="dieu_hoa").source == RoomTag.Source.ADMIN

    # Exported as training data: the landlord's removed suggestion and the admin's no are negatives.
    decided = tmp_path / "decided.jsonl"
    call_command("export_training_data", "--out", str(decided))
    rows = {row["id"]: row for row in map(json.loads, decided.read_text(encoding="utf-8").splitlines())}
    assert set(rows[f"room-{first.pk}"]["tags"]) == {"ban_cong", "wifi"}
    assert "dieu_hoa" in rows[f"room-{first.pk}"]["negatives"]
    assert rows[f"room-{second.pk}"]["negatives"] == ["dieu_hoa"]
    assert rows[f"room-{second.pk}"]["decided_by"]["dieu_hoa"] == "admin"

    # A new model trained with them, then the gate against the shipped one, promoting it in place.
    recipe["gate"] = {"pairs": recipe["threshold_data"], "text_tolerance": 1.0,     # a tiny model: photos decide
                      "pairs_tolerance": 1.0}
    recipe["photo_stage"] = {**recipe["photo_stage"], "probe_epochs": 40, "probe_lr": 0.01}  # red kitchens, blue beds
    (tmp_path / "data" / "config.json").write_text(json.dumps(recipe), encoding="utf-8")
    candidate = tmp_path / "candidate"
    proc = subprocess.run([sys.executable, "-m", "mlcore", "train", "--config", str(tmp_path / "data" / "config.json"),
                           "--out", str(candidate), "--no-gate", "--extra-labels", str(decided)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = subprocess.run([sys.executable, "-m", "mlcore", "gate", "--candidate", str(candidate),
                           "--shipped", str(shipped), "--config", str(tmp_path / "data" / "config.json"), "--promote"],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "PROMOTE" in proc.stderr

    # The site, restarted on the promoted model, names it and suggests with it.
    serving._tagger_cache.clear()
    ready = client.get(reverse("ready")).json()
    assert ready["model_version"] == versioned("loop-2", RULES)
    listings.write_text(json.dumps({"external_id": "r9", "title": "Phòng mới", "description": "Phòng có máy lạnh",
                                    "price": "3tr", "area_m2": 20, "address": "9 Đường A",
                                    "district": "Quận 1", "city": "TP. Hồ Chí Minh"}, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    with committed():
        call_command("import_listings", str(listings), "--owner", landlord.username, verbosity=0)
    new = Room.objects.get(external_id="r9")
    assert new.tagging_jobs.get().model_version == versioned("loop-2", RULES)
    assert set(TagSuggestion.objects.filter(room=new).values_list("model_version", flat=True)) <= {versioned("loop-2", RULES)}
    # People's decisions survive the switch (re-tagging keeps them).
    assert RoomTag.objects.get(room=second, tag__slug="dieu_hoa").status == RoomTag.Status.REMOVED
