"""The monthly bulletin reaches the mayor's office (the leadership role) once it is built, through
the real worker, once however often the notice task runs."""

import time

import pytest
from django.core import mail

from attraction import services
from attraction.choices import BulletinStatus
from attraction.models import BulletinRun
from attraction.tasks import bulletin_generate, bulletin_notify_ready
from notifications import services as notifications
from notifications.choices import DeliveryStatus, Kind
from notifications.models import Delivery, Notification
from projects.choices import Role
from tests.factories import ProjectFactory, user_with_role

from .conftest import d

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def test_the_built_bulletin_reaches_leadership_once(manager, celery_worker):
    ProjectFactory()
    mayor = user_with_role("mayor_office", Role.LEADERSHIP)
    mayor.email = "mayor@example.org"
    mayor.save()
    county = user_with_role("county_clerk", Role.COUNTY_STAFF, region=ProjectFactory().region)
    county.email = "county@example.org"
    county.save()
    mail.outbox.clear()
    run, queued = services.bulletin_request(user=manager, month=d("2026-10-01"))
    assert queued
    wait_for(lambda: Delivery.objects.filter(event_key=f"bulletin_ready:{run.pk}", status=DeliveryStatus.SENT).exists())
    # Redelivered tasks, then a marker behind them (solo pool, FIFO): once it is sent they have run.
    bulletin_notify_ready.delay(run.pk)
    bulletin_generate.delay(run.pk)
    notifications.notify(recipients=[mayor], kind=Kind.OTHER, event_key="marker:bulletin", title="marker")
    wait_for(lambda: Delivery.objects.filter(event_key="marker:bulletin", status=DeliveryStatus.SENT).exists())
    assert BulletinRun.objects.get().status == BulletinStatus.DONE
    notes = list(Notification.objects.filter(kind=Kind.REPORT_READY).values_list("recipient_id", "event_key"))
    assert notes == [(mayor.pk, f"bulletin_ready:{run.pk}")]
    assert [m.to for m in mail.outbox if "月报" in m.subject] == [["mayor@example.org"]]
