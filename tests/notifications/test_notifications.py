import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from notifications import services
from notifications.choices import Channel, DeliveryStatus, Kind
from notifications.context_processors import unread_count
from notifications.models import ChannelPreference, Delivery, Notification, WebhookEndpoint, validate_webhook_url
from notifications.senders import SendError


def notify_once(users, key="order_issued:7", **kwargs):
    return services.notify(recipients=users, kind=Kind.ORDER_ISSUED, event_key=key, title="督办单", **kwargs)


def test_nobody_gets_the_same_event_twice(county_user, county_colleague, django_capture_on_commit_callbacks):
    county_user.email = "alice@example.cn"
    county_user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert len(notify_once([county_user, county_colleague])) == 2
        assert notify_once([county_user, county_colleague]) == []
    assert Notification.objects.filter(event_key="order_issued:7").count() == 2
    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 1  # only alice has an address
    assert len(callbacks) == 1  # queued after commit, never inside the transaction


def test_email_is_sent_through_the_backend_once(county_user, django_capture_on_commit_callbacks):
    county_user.email = "alice@example.cn"
    county_user.save()
    with django_capture_on_commit_callbacks(execute=False):
        notify_once([county_user], body="请于三日内回复", link="/supervision/orders/1/")
    delivery = Delivery.objects.get()
    assert services.delivery_send(delivery_id=delivery.pk) is True
    assert services.delivery_send(delivery_id=delivery.pk) is False  # already sent: claimed by nobody
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.cn"]
    assert "请于三日内回复" in mail.outbox[0].body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_users_choose_their_channels(county_user, django_capture_on_commit_callbacks):
    county_user.email = "alice@example.cn"
    county_user.save()
    services.channel_preference_set(user=county_user, email=False, webhook=False)
    with django_capture_on_commit_callbacks(execute=False):
        notify_once([county_user])
    assert Notification.objects.filter(recipient=county_user).count() == 1  # the inbox always
    assert not Delivery.objects.exists()


def test_one_robot_post_per_event_however_many_members_it_concerns(
    county_user, county_colleague, django_capture_on_commit_callbacks
):
    robot = WebhookEndpoint.objects.create(name="铁东区推进组", kind="wecom", url="https://qyapi.weixin.qq.com/x?key=k")
    robot.members.add(county_user, county_colleague)
    for user in (county_user, county_colleague):
        ChannelPreference.objects.create(user=user, email=False, webhook=True)
    with django_capture_on_commit_callbacks(execute=False):
        notify_once([county_user, county_colleague])
        notify_once([county_user, county_colleague])
    assert Delivery.objects.filter(channel=Channel.WEBHOOK, endpoint=robot).count() == 1


def test_a_failed_channel_is_recorded_and_requeued(county_user, django_capture_on_commit_callbacks, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # test-only: nothing listens on 127.0.0.1:9
    robot = WebhookEndpoint.objects.create(name="坏地址", kind="dingtalk", url="http://127.0.0.1:9/unreachable")
    robot.members.add(county_user)
    ChannelPreference.objects.create(user=county_user, email=False, webhook=True)
    with django_capture_on_commit_callbacks(execute=False):
        notify_once([county_user])
    delivery = Delivery.objects.get()
    with pytest.raises(SendError):
        services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "无法访问" in delivery.last_error
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.deliveries_requeue() == [delivery.pk]
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://oapi.dingtalk.com/robot/send?access_token=x", True),
        ("http://127.0.0.1:8080/hook", False),  # loopback: tests/security/test_webhook_targets.py
        ("http://example.com/hook", False),
        ("ftp://127.0.0.1/hook", False),
        ("http://10.0.0.1/hook", False),
    ],
)
def test_robot_urls_are_https_to_a_public_host(url, ok):
    if ok:
        validate_webhook_url(url)
    else:
        with pytest.raises(ValidationError):
            validate_webhook_url(url)


def test_unread_count_is_one_query(county_user, django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notify_once([county_user], key="a")
        notify_once([county_user], key="b")
    request = RequestFactory().get("/")
    request.user = county_user
    with django_assert_num_queries(0):
        context = unread_count(request)  # lazy: nothing runs until a template shows it
    with django_assert_num_queries(1):
        assert int(str(context["unread_notifications"])) == 2
        assert context["unread_notifications"]


def test_inbox_page_and_mark_read(
    client, county_user, other_county_user, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        for i in range(25):
            notify_once([county_user], key=f"event:{i}")
        notify_once([other_county_user], key="theirs")
    client.force_login(county_user)
    with django_assert_max_num_queries(8):
        response = client.get("/inbox/")
    assert response.status_code == 200
    assert response.content.decode().count("标为已读") >= 25
    mine = Notification.objects.filter(recipient=county_user).first()
    theirs = Notification.objects.get(recipient=other_county_user)
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/inbox/{mine.pk}/read/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    client.post("/inbox/read-all/")
    assert not Notification.objects.filter(recipient=county_user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notification_api_lists_only_mine_and_marks_read(
    client, county_user, other_county_user, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        for i in range(10):
            notify_once([county_user], key=f"event:{i}")
        notify_once([other_county_user], key="theirs")
    client.force_login(county_user)
    with django_assert_max_num_queries(5):
        data = client.get("/api/v1/notifications/").json()
    assert data["count"] == 10
    first = data["results"][0]["id"]
    assert client.post(f"/api/v1/notifications/{first}/read/").json() == {"marked": 1, "unread": 9}
    assert client.post("/api/v1/notifications/read-all/", {}, content_type="application/json").json() == {
        "marked": 9,
        "unread": 0,
    }
    theirs = Notification.objects.get(recipient=other_county_user)
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404


def test_the_robot_url_is_never_shown(admin_client):
    robot = WebhookEndpoint.objects.create(
        name="市推进组", kind="wecom", url="https://qyapi.weixin.qq.com/x?key=TOPSECRET"
    )
    assert "TOPSECRET" not in admin_client.get("/admin/notifications/webhookendpoint/").content.decode()
    assert (
        "TOPSECRET" not in admin_client.get(f"/admin/notifications/webhookendpoint/{robot.pk}/change/").content.decode()
    )


def test_schedules_are_created_once():
    from common.periodic import ensure
    from notifications.periodic import PERIODIC_TASKS

    assert ensure(PERIODIC_TASKS) == 1
    assert ensure(PERIODIC_TASKS) == 0


def test_unknown_kind_is_refused(county_user):
    with pytest.raises(ValidationError) as error:
        services.notify(recipients=[county_user], kind="nope", event_key="x", title="t")
    assert "kind" in error.value.message_dict


def test_preferences_page_saves_choices(client, county_user):
    client.force_login(county_user)
    client.post("/inbox/preferences/", {"webhook": "on"})
    pref = ChannelPreference.objects.get(user=county_user)
    assert (pref.email, pref.webhook) == (False, True)


def test_links_in_emails_are_absolute_with_the_site_url(county_user, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://projects.anshan.gov.cn/"
    county_user.email = "alice@example.cn"
    county_user.save()
    with django_capture_on_commit_callbacks(execute=False):
        notify_once([county_user], body="请于三日内回复", link="/supervision/orders/1/")
    assert services.delivery_send(delivery_id=Delivery.objects.get().pk) is True
    assert "https://projects.anshan.gov.cn/supervision/orders/1/" in mail.outbox[0].body
