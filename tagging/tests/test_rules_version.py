"""A model's version names the rules it reads (issue 21): a rules change is seen by the suggestion
cache, by retag_all and by the stored suggestions."""
import dataclasses

from django.core.management import call_command

from mlcore import lexicon, lexicon_rules
from tagging import services
from tagging import serving
from tagging.models import TaggingJob, TagSuggestion


def test_changing_one_rule_changes_the_version_retags_every_room_and_misses_the_cache(
        room_factory, committed, monkeypatch, capsys):
    rooms = [room_factory(title=f"Phòng {i}", description="Phòng có máy lạnh, wifi, ban công") for i in range(3)]
    before = serving.get_tagger().version
    assert before.startswith("lexicon-1+rules.")
    assert set(TagSuggestion.objects.values_list("model_version", flat=True)) == {before}
    with committed():
        call_command("retag_all")
    assert "Mọi phòng đã có gợi ý" in capsys.readouterr().out           # nothing to do under the same rules

    changed = list(lexicon_rules.RULES)
    changed[0] = dataclasses.replace(changed[0], confidence=round(changed[0].confidence - 0.01, 2))
    monkeypatch.setattr(lexicon, "RULES", changed)                       # one rule changes
    monkeypatch.setattr(serving, "_tagger_cache", {})                  # the site restarted on them
    after = serving.get_tagger().version
    assert after != before and after.startswith("lexicon-1+rules.")

    computed = []
    real = services.compute_suggestions
    monkeypatch.setattr(services, "compute_suggestions",
                        lambda text, images=(): computed.append(text) or real(text, images))
    with committed():
        call_command("retag_all")
    assert "Đã gắn lại 3/3 phòng" in capsys.readouterr().out
    assert len(computed) == 3                                            # every room missed the cache
    assert set(TaggingJob.objects.filter(reason="retag").values_list("room_id", flat=True)) == {r.pk for r in rooms}
    latest = {r.pk: r.tagging_jobs.filter(status="done").latest("created_at", "id").model_version for r in rooms}
    assert set(latest.values()) == {after}


def test_the_admin_card_says_when_the_figures_were_measured_with_other_rules(admin_client, monkeypatch, db):
    from django.urls import reverse

    tagger = serving.get_tagger()
    monkeypatch.setattr(tagger, "evaluation", {"dev_gold_micro_f1": 0.95}, raising=False)
    monkeypatch.setattr(tagger, "measured_rules_hash", "0123456789", raising=False)
    page = admin_client.get(reverse("admin:tagging_taggingjob_changelist")).content.decode()
    assert 'id="rules-differ"' in page and "rules.0123456789" in page and f"rules.{tagger.rules_hash}" in page
    monkeypatch.setattr(tagger, "measured_rules_hash", tagger.rules_hash, raising=False)
    page = admin_client.get(reverse("admin:tagging_taggingjob_changelist")).content.decode()
    assert 'id="rules-differ"' not in page
