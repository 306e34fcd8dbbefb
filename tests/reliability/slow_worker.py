"""A real Celery worker whose first report build stops half-way (a partial file on disk, progress
reported) and waits to be killed; later builds run normally. Test-only, started by
tests/reliability/test_worker_killed.py as ``python -m tests.reliability.slow_worker worker ...``.

A dead worker's claim is taken over once it is older than DOCUMENT_RUN_STALE_SECONDS (10 minutes
in production); worker_settings makes it TEST_STALE_AFTER seconds so that the test runs in seconds.
"""

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.worker_settings")
django.setup()

from anshan_projects.celery import app  # noqa: E402
from dispatch import reports  # noqa: E402

_build = reports.build_round_report


def build_slowly_the_first_time(round, fmt, path, on_progress=None, known_at=None):
    marker = Path(os.environ["SLOW_REPORT_MARKER"])
    if not marker.exists():
        with open(path, "wb") as partial:
            partial.write(b"PK\x03\x04 half a report")
        on_progress(40)
        marker.write_text(str(os.getpid()))
        time.sleep(300)  # SIGKILL arrives here
    return _build(round, fmt, path, on_progress=on_progress, known_at=known_at)


reports.build_round_report = build_slowly_the_first_time

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
