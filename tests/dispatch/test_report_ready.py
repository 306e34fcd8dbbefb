"""REPORT_READY: a built round report reaches its group's report managers (inbox, e-mail, group robot)
once, through the real worker."""

import datetime
import time

import pytest
from django.core import mail
from django.db import transaction

from dispatch import services, tasks
from dispatch.models import Report
from dispatch.schedules import Period
from notifications import services as notifications
from notifications.choices import DeliveryStatus, Kind
from notifications.models import ChannelPreference, Delivery, Notification, WebhookEndpoint
from projects.choices import Role
from tests.factories import user_with_role
from tests.notifications.test_delivery_worker import Receiver

from .conftest import entry, project

D = datetime.date
pytestmark = pytest.mark.slow


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def test_report_ready_reaches_the_managers_once_through_a_real_worker(celery_worker, groups, tiedong, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # test-only: the robot receiver is on loopback
    group = groups["city"]
    a = project(region=tiedong, total_investment=12000, annual_plan=4000, stage="construction",
                start_type="continuing", actual_start=D(2025, 1, 1))  # fmt: skip
    entry(a, D(2026, 10, 1), "300")
    round = services.round_run(group=group, period=Period(D(2026, 10, 1), D(2026, 10, 31)), queue=False)[0]
    manager = user_with_role("report_mgr", Role.REPORT_MANAGER)
    manager.email = "mgr@example.org"
    manager.save()
    ChannelPreference.objects.create(user=manager, email=True, webhook=True)
    group.report_managers.add(manager)
    bystander = user_with_role("bystander", Role.REPORT_MANAGER)  # a manager, but not of this group
    bystander.email = "by@example.org"
    bystander.save()
    marker_user = user_with_role("marker_user", Role.LEADERSHIP)
    ChannelPreference.objects.create(user=marker_user, email=False, webhook=True)
    mail.outbox.clear()
    with Receiver(failures=0) as receiver:
        robot = WebhookEndpoint.objects.create(name="市级调度组群", kind="wecom", url=receiver.url)
        robot.members.add(manager, marker_user)
        with transaction.atomic():
            (report,) = services.report_request(round=round, formats=["xlsx"])
        wait_for(lambda: Delivery.objects.filter(event_key=f"report_ready:{report.pk}",
                                                 status=DeliveryStatus.SENT).count() == 2)  # fmt: skip
        # The same notice task and the same build again (a redelivered message): nothing more is sent.
        tasks.notify_report_ready.apply_async(args=[report.pk], queue=services.tasks_queue())
        tasks.build_report.apply_async(args=[report.pk], queue=services.tasks_queue())
        # A marker queued after them (solo pool, FIFO): once it is sent, the duplicates have run.
        notifications.notify(recipients=[marker_user], kind=Kind.OTHER, event_key="marker:1", title="marker")
        wait_for(lambda: Delivery.objects.filter(event_key="marker:1", status=DeliveryStatus.SENT).exists())
        wait_for(lambda: not Delivery.objects.filter(event_key=f"report_ready:{report.pk}").exclude(
            status=DeliveryStatus.SENT).exists())  # fmt: skip

    report.refresh_from_db()
    assert report.status == "done" and report.attempts == 1
    notes = Notification.objects.filter(kind=Kind.REPORT_READY)
    assert [(n.recipient_id, n.event_key) for n in notes] == [(manager.pk, f"report_ready:{report.pk}")]
    assert notes[0].link == f"/dispatch/reports/{report.pk}/download/" or notes[0].link.endswith(
        f"/reports/{report.pk}/download/"
    )
    ready_mail = [m for m in mail.outbox if "调度报告" in m.subject]
    assert [m.to for m in ready_mail] == [["mgr@example.org"]]
    robot_posts = [p for p in receiver.posts if "调度报告" in p["text"]["content"]]
    assert len(robot_posts) == 1
    assert group.name in robot_posts[0]["text"]["content"]
    assert Report.objects.filter(round=round).count() == 1
