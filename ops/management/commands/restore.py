import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import pgtools


class Command(BaseCommand):
    help = "Restore a pg_dump backup into the database, replacing its contents (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .dump written by `manage.py backup`")
        parser.add_argument("--database", default="default", help="Django database alias")
        parser.add_argument("--dbname", help="restore into this database on the same server instead")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, file, database, dbname, interactive, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such backup file: {path}")
        target = dbname or pgtools.libpq_env(database)["PGDATABASE"]
        if interactive:
            answer = input(f"This replaces everything in database {target!r} with {path.name}. Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("restore cancelled")
        try:
            pgtools.restore(path, alias=database, dbname=dbname)
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"pg_restore failed (database unchanged): {exc.stderr.strip()}") from exc
        self.stdout.write(f"restored {path} into {target}")
