"""manage.py retag_all: every room tagged again by the current model, people's decisions kept, resumable."""
from django.core.management import call_command

from tagging.decisions import save_landlord_tags
from tagging.models import RoomTag, TaggingJob


def test_retag_all_keeps_decisions_and_resumes(room_factory, landlord, capsys, committed):
    rooms = [room_factory(title=f"Phòng {i}", description="Phòng có máy lạnh, wifi") for i in range(5)]
    save_landlord_tags(rooms[0], landlord, {"dieu_hoa"})                  # wifi removed by the landlord
    TaggingJob.objects.filter(room__in=rooms[:3]).update(model_version="old-model")   # three from an older model
    with committed():
        call_command("retag_all", "--chunk", "2")
    out = capsys.readouterr().out
    assert "Đã gắn lại 3/3 phòng" in out
    assert TaggingJob.objects.filter(reason="retag").count() == 3
    assert set(RoomTag.objects.filter(room=rooms[0]).values_list("tag__slug", "status")) == {
        ("dieu_hoa", "confirmed"), ("wifi", "removed")}                    # the landlord's choice stands
    with committed():
        call_command("retag_all")                                          # nothing left: resumes at the end
    assert "Mọi phòng đã có gợi ý" in capsys.readouterr().out
    assert TaggingJob.objects.filter(reason="retag").count() == 3
    with committed():
        call_command("retag_all", "--all")                                 # every room, whatever its version
    assert "Đã gắn lại 5/5 phòng" in capsys.readouterr().out
    assert TaggingJob.objects.filter(reason="retag").count() == 8
