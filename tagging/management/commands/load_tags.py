from django.core.management.base import BaseCommand

from tagging.vocabulary import load_vocabulary


class Command(BaseCommand):
    help = "Load the tag vocabulary (mlcore's taxonomy) into the database; safe to run again."

    def handle(self, *args, **options):
        created, updated = load_vocabulary()
        self.stdout.write(self.style.SUCCESS(f"tags: {created} created, {updated} updated"))
