"""Settings for worker subprocesses started by fault tests: the test profile, with the media
directory of the test process that started them (the test profile makes a new one per process)."""

import os

from anshan_projects.settings.test import *  # noqa: F403

MEDIA_ROOT = os.environ["TEST_MEDIA_ROOT"]

# Look for the unacknowledged tasks of dead workers every second (kombu: every 10 calls of a
# 10-second timer by default), so that the test does not wait up to 100 s for the redelivery.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

# A dead worker's claim on a document run is taken over after this many seconds (600 in production).
DOCUMENT_RUN_STALE_SECONDS = int(os.environ.get("TEST_STALE_AFTER", "2"))
