from datetime import timedelta

from django.core.management.base import BaseCommand

from tagging.jobs import send_job, stale_jobs


class Command(BaseCommand):
    help = "Send again the tagging jobs that are still queued or running after --minutes (default 10)."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=10.0)

    def handle(self, *args, minutes, **options):
        sent = failed = 0
        for job in stale_jobs(timedelta(minutes=minutes)):
            if send_job(job.pk):
                sent += 1
            else:
                failed += 1
        self.stdout.write(f"requeued {sent} job(s); {failed} could not be sent")
