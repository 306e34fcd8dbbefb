import subprocess

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ops import pgtools


class Command(BaseCommand):
    help = "Back up the database with pg_dump (custom format) to var/backups/ or --output."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default var/backups/anshan-<time>.dump)")
        parser.add_argument("--database", default="default", help="Django database alias")

    def handle(self, *args, output, database, **options):
        path = output or pgtools.BACKUP_DIR / f"anshan-{timezone.localtime():%Y%m%d-%H%M%S}.dump"
        try:
            written = pgtools.dump(path, alias=database)
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"pg_dump failed: {exc.stderr.strip()}") from exc
        size = written.stat().st_size
        self.stdout.write(f"backup written: {written} ({size / 1024 / 1024:.1f} MB)")
