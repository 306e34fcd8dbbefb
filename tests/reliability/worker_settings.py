"""Settings for worker subprocesses started by fault tests: the test profile, with the media
directory of the test process that started them (the test profile makes a new one per process)."""

import os

from anshan_projects.settings.test import *  # noqa: F403

MEDIA_ROOT = os.environ["TEST_MEDIA_ROOT"]
