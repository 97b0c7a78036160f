"""Existing rooms: free-text places matched to the official units, search text rebuilt; on
PostgreSQL a GIN full-text index over the stored search text."""
from django.db import migrations


def relocate(apps, schema_editor):
    from rooms.models import Room as LiveRoom, search_document  # the matching lives on the model

    Room = apps.get_model("rooms", "Room")
    for room in Room.objects.all().iterator():
        live = LiveRoom(pk=room.pk, title=room.title, description=room.description, address=room.address,
                        district=room.district, city=room.city, ward=room.ward)
        live.locate()
        Room.objects.filter(pk=room.pk).update(
            city=live.city, district=live.district, ward=live.ward, province_code=live.province_code,
            ward_code=live.ward_code,
            search_text=search_document(room.title, room.description, room.address, live.ward, live.district,
                                        live.city))


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS room_search_fts ON rooms_room "
                              "USING gin (to_tsvector('simple'::regconfig, search_text))")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS room_search_fts")


class Migration(migrations.Migration):
    dependencies = [("rooms", "0004_room_fields_places_search")]

    operations = [
        migrations.RunPython(relocate, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
