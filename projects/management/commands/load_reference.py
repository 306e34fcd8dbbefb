from django.core.management.base import BaseCommand

from projects.services import reference_data_load


class Command(BaseCommand):
    help = "Load the default reference data (regions, sectors, departments, categories, thresholds); idempotent."

    def handle(self, *args, **options):
        created = reference_data_load()
        self.stdout.write(f"reference data: {created} rows created")
