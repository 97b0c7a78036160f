from django.db import migrations


def photo_index_to_id(apps, schema_editor):
    """Photo evidence named a photo by its place among the room's photos; it names it by id now
    (reordering photos no longer changes what it points at)."""
    TagSuggestion = apps.get_model("tagging", "TagSuggestion")
    RoomImage = apps.get_model("rooms", "RoomImage")
    photos: dict[int, list[int]] = {}
    changed = []
    for s in TagSuggestion.objects.filter(source__in=["image", "both"]).only("pk", "room_id", "evidence").iterator():
        if not any(isinstance(e, dict) and isinstance(e.get("photo"), int) for e in s.evidence or ()):
            continue
        if s.room_id not in photos:
            photos[s.room_id] = list(RoomImage.objects.filter(room_id=s.room_id).order_by("position", "id")
                                     .values_list("pk", flat=True))
        ids = photos[s.room_id]
        s.evidence = [({"photo_id": ids[e["photo"]]} if e["photo"] < len(ids) else None)
                      if isinstance(e, dict) and isinstance(e.get("photo"), int) else e for e in s.evidence]
        s.evidence = [e for e in s.evidence if e is not None]
        changed.append(s)
    TagSuggestion.objects.bulk_update(changed, ["evidence"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('tagging', '0010_suggestion_superseded'),
        ('rooms', '0009_photo_thumbnail'),
    ]

    operations = [
        migrations.RunPython(photo_index_to_id, migrations.RunPython.noop),
    ]
