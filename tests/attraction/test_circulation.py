"""The monthly circulation (通报) reaches the main city leaders exactly once per month: inbox and e-mail,
through the real worker, however often the periodic task runs."""

import time

import pytest
from django.core import mail

from attraction import services
from attraction.models import Circulation
from attraction.periodic import PERIODIC_TASKS
from attraction.tasks import circulation_monthly
from notifications import services as notifications
from notifications.choices import Channel, DeliveryStatus, Kind
from notifications.models import Delivery, Notification
from projects.choices import Role, Stage
from tests.factories import ProjectFactory, user_with_role

from .conftest import d, project_with_history

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def test_the_circulation_is_declared_monthly():
    names = {task: schedule for _, task, schedule in PERIODIC_TASKS}
    assert names["attraction.circulation_monthly"]["day_of_month"] == "1"


def test_the_circulation_is_delivered_exactly_once(celery_worker, tiedong):
    mayor = user_with_role("mayor_office", Role.LEADERSHIP)
    mayor.email = "mayor@example.org"
    mayor.save()
    county = user_with_role("county_clerk", Role.COUNTY_STAFF, region=tiedong)
    county.email = "county@example.org"
    county.save()
    signed = project_with_history(region=tiedong, total="50000", steps=[(Stage.NEGOTIATING, d("2026-09-01")),
                                                                        (Stage.SIGNED, d("2026-10-08"))])  # fmt: skip
    services.capital_record(user=user_with_role("a", Role.ADMIN), project=signed, month=d("2026-10-01"),
                            amount="12345.67", foreign_amount="2345.67")  # fmt: skip
    ProjectFactory()
    mail.outbox.clear()
    # The periodic task three times for the same month (solo pool, FIFO): the first run's e-mail is queued
    # behind the other two runs, so once it is sent they have run; then a marker behind anything they queued.
    for _ in range(3):
        circulation_monthly.delay("2026-10")
    wait_for(lambda: Delivery.objects.filter(event_key="circulation:2026-10", status=DeliveryStatus.SENT).exists())
    notifications.notify(recipients=[mayor], kind=Kind.OTHER, event_key="marker:circulation", title="marker")
    wait_for(lambda: Delivery.objects.filter(event_key="marker:circulation", status=DeliveryStatus.SENT).exists())
    row = Circulation.objects.get()
    assert row.month == d("2026-10-01") and row.delivered_at is not None and row.recipient_count == 1
    notes = list(Notification.objects.filter(event_key="circulation:2026-10").values_list("recipient_id", "kind"))
    assert notes == [(mayor.pk, Kind.OTHER)]
    emails = Delivery.objects.filter(event_key="circulation:2026-10", channel=Channel.EMAIL)
    assert [e.status for e in emails] == [DeliveryStatus.SENT]
    sent = [m for m in mail.outbox if "通报" in m.subject]
    assert [m.to for m in sent] == [["mayor@example.org"]]
    # Signing, landing and capital in place, domestic (1.00 亿元) and foreign (0.23 亿元) apart.
    assert "签约项目 1 个" in row.body and "实际到位内资 1.00 亿元" in row.body and "外资 0.23 亿元" in row.body
    # Called again directly (the service): still one.
    services.circulation_deliver(month=d("2026-10-15"))
    assert Notification.objects.filter(event_key="circulation:2026-10").count() == 1
