import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects.opendata import project_package


def default_uri():
    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"), "localhost")
    return f"https://{host}/api/v1/open-data/projects/"


class Command(BaseCommand):
    help = "Write the open-data OC4IDS project package (the same as GET /api/v1/open-data/projects/)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--uri", help="the package's URI (default: the API address on the first ALLOWED_HOSTS)")

    def handle(self, *args, output=None, uri=None, **options):
        package = project_package(uri=uri or default_uri())
        if not package["projects"]:
            raise CommandError("no project to publish: an OC4IDS package needs at least one project")
        text = json.dumps(package, ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"{len(package['projects'])} projects written to {output}")
        else:
            sys.stdout.write(text + "\n")
