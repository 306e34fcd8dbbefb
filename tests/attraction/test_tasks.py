import os
import time

import pytest
from django_celery_beat.models import PeriodicTask

from attraction import periodic
from attraction.choices import BulletinStatus
from attraction.models import BulletinRun
from attraction.tasks import bulletin_generate, bulletin_monthly
from common.periodic import ensure
from tests.conftest import wait_until_worker_idle
from tests.factories import ProjectFactory


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_monthly_job_builds_the_bulletin_once_on_a_real_worker(manager, celery_worker):
    """The beat job on a real Celery worker over the real embedded Redis; a second run adds nothing."""
    ProjectFactory()
    if True:  # the worker runs for the whole test (fixture)
        bulletin_monthly.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = BulletinRun.objects.first()
            if run is not None and run.status in (BulletinStatus.DONE, BulletinStatus.FAILED):
                break
            time.sleep(0.2)
        run = BulletinRun.objects.get()
        assert run.status == BulletinStatus.DONE, run.error
        assert run.xlsx.name.endswith(".xlsx") and run.pdf.name.endswith(".pdf")
        first_files = (run.xlsx.name, run.pdf.name)
        # Same data: the job again, and the generate task redelivered for the same run, change nothing.
        bulletin_monthly.delay()
        bulletin_generate.delay(run.pk)
        wait_until_worker_idle()  # both have run (a marker behind them, not a sleep)
    assert BulletinRun.objects.count() == 1
    run.refresh_from_db()
    assert (run.xlsx.name, run.pdf.name) == first_files
    storage_dir = run.xlsx.storage.path("attraction/bulletins")
    mine = [name for name in os.listdir(storage_dir) if run.data_version[:8] in name]
    assert sorted(mine) == sorted(os.path.basename(n) for n in first_files)  # one xlsx, one PDF
    assert run.month.day == 1


def test_schedule_is_created_once(db):
    """ensure() returns how many entries it created: every one of attraction's tasks the first time, none after."""
    declared = {name: task for name, task, _ in periodic.PERIODIC_TASKS}
    assert len(declared) == len(periodic.PERIODIC_TASKS)  # distinct names (the name is the key)
    assert ensure(periodic.PERIODIC_TASKS) == len(declared)
    assert ensure(periodic.PERIODIC_TASKS) == 0
    assert dict(PeriodicTask.objects.filter(name__in=declared).values_list("name", "task")) == declared
    task = PeriodicTask.objects.get(name=periodic.BULLETIN_TASK_NAME)
    assert task.task == "attraction.bulletin_monthly"
    assert task.crontab.day_of_month == "1"


def test_generate_task_is_late_acknowledged():
    assert bulletin_generate.acks_late and bulletin_generate.reject_on_worker_lost
    assert bulletin_generate.name == "attraction.bulletin_generate"
