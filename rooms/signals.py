"""One cleanup path for photo files: however a photo goes (a landlord's edit or delete, the admin,
a cascade from its room or its owner, a bulk delete), its files are deleted once the deletion
commits, and kept if it rolls back."""
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import RoomImage


@receiver(post_delete, sender=RoomImage, dispatch_uid="rooms-delete-photo-files")
def delete_photo_files(sender, instance: RoomImage, using=None, **kwargs) -> None:
    for storage, name in instance.files():
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name), using=using)
