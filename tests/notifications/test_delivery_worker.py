"""Delivery through a real Celery worker (embedded Redis) to a group-robot receiver on the loopback
address: a failed post is retried with backoff and the message is sent once, however often the
task runs."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.contrib.testing.worker import start_worker

from anshan_projects.celery import app as celery_app
from notifications import services
from notifications.choices import DeliveryStatus, Kind
from notifications.models import ChannelPreference, Delivery, WebhookEndpoint
from notifications.tasks import deliver
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class Receiver:
    """A robot endpoint on 127.0.0.1: refuses the first post (HTTP 500), accepts the rest."""

    def __init__(self, failures=1):
        self.posts = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append(json.loads(body))
                if len(receiver.posts) <= receiver.failures:
                    self.send_response(500)
                    self.end_headers()
                    return
                payload = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?key=secret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_failed_post_is_retried_and_sent_once_through_a_real_worker(settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_RETRY_SECONDS = 0.2
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # test-only allowance: the receiver is on loopback
    queue = f"test-notifications-{uuid.uuid4().hex[:8]}"  # no other worker on the shared Redis takes these
    with Receiver(failures=1) as receiver:
        user = UserFactory(username="robot_member")
        ChannelPreference.objects.create(user=user, email=False, webhook=True)
        endpoint = WebhookEndpoint.objects.create(name="铁东区推进组", kind="wecom", url=receiver.url)
        endpoint.members.add(user)
        other = WebhookEndpoint.objects.create(name="海城市推进组", kind="dingtalk", url=receiver.url)
        other.members.add(UserFactory(username="other_member"))
        ChannelPreference.objects.create(user=other.members.get(), email=False, webhook=True)

        with django_capture_on_commit_callbacks(execute=False):  # this test queues on its own queue
            services.notify(
                recipients=[user],
                kind=Kind.ORDER_ISSUED,
                event_key="order_issued:1",
                title="督办单 督2026-00001",
                body="请回复",
            )
        delivery = Delivery.objects.get(endpoint=endpoint)

        with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10):
            deliver.apply_async((delivery.pk,), queue=queue)
            assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT)
            # The same task again (a redelivered message, a duplicate): nothing more is sent.
            deliver.apply_async((delivery.pk,), queue=queue)
            with django_capture_on_commit_callbacks(execute=False):
                services.notify(recipients=[other.members.get()], kind=Kind.OTHER, event_key="marker:1", title="marker")
            marker = Delivery.objects.get(endpoint=other)
            deliver.apply_async((marker.pk,), queue=queue)  # processed after the duplicate (solo pool, FIFO)
            assert wait_for(lambda: Delivery.objects.get(pk=marker.pk).status == DeliveryStatus.SENT)

    delivery.refresh_from_db()
    assert delivery.attempts == 2
    accepted = [p for p in receiver.posts[1:] if "督办单" in p["text"]["content"]]
    assert len(accepted) == 1  # sent once
    assert len(receiver.posts) == 3  # the refused try, the retry, the marker
    assert receiver.posts[0] == {"msgtype": "text", "text": {"content": "督办单 督2026-00001\n请回复"}}
