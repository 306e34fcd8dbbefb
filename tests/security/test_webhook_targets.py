"""Group-robot URLs reach public addresses only: refused by address class when saved (model, admin
form) and again at send time after resolving the host; a redirect is never followed.

The send-time tests use real sockets: a loopback receiver that records what it gets. Loopback is
refused, so the tests that must reach it allow 127.0.0.0/8 through the one setting an operator has
for that (``WEBHOOK_ALLOWED_NETWORKS``), and the tests of refusal check the receiver got nothing.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from notifications import webhooks
from notifications.admin import WebhookEndpointForm
from notifications.models import WebhookEndpoint, validate_webhook_url
from notifications.senders import SendError, send_webhook, webhook_payload

# One per address class, literal or by name; every one must be refused when saved.
REFUSED_TARGETS = {
    "link-local (cloud metadata)": "https://169.254.169.254/latest/meta-data/",
    "private 10/8": "https://10.0.0.5/robot/send",
    "private 172.16/12": "https://172.16.3.4/robot/send",
    "private 192.168/16": "https://192.168.1.10/robot/send",
    "loopback with a port": "http://127.0.0.1:6379/",
    "loopback https": "https://127.0.0.1/robot/send",
    "loopback 127/8": "https://127.8.9.10/robot/send",
    "IPv6 loopback": "https://[::1]/robot/send",
    "IPv4-mapped IPv6 loopback": "https://[::ffff:127.0.0.1]/robot/send",
    "IPv4-mapped IPv6 link-local": "https://[::ffff:169.254.169.254]/",
    "IPv6 link-local": "https://[fe80::1]/robot/send",
    "IPv6 unique local": "https://[fd00::5]/robot/send",
    "unspecified": "https://0.0.0.0/robot/send",
    "IPv6 unspecified": "https://[::]/robot/send",
    "multicast": "https://224.0.0.1/robot/send",
    "reserved": "https://240.0.0.1/robot/send",
    "broadcast": "https://255.255.255.255/",
    "shared (carrier NAT)": "https://100.64.0.1/robot/send",
    "a name resolving to loopback": "https://localhost/robot/send",
    "a subdomain of localhost": "https://robot.localhost/send",
    "a decimal IPv4 (resolves to 127.0.0.1)": "https://2130706433/robot/send",
    "6to4 of loopback": "https://[2002:7f00:1::]/robot/send",
}


class Receiver:
    """An HTTP server on 127.0.0.1 that records each request; answers ``status`` (and a Location)."""

    def __init__(self, status=200, location=None):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                body = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/robot/send?key=secret", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def send(url):
    send_webhook(url=url, kind="wecom", title="督办单", body="请回复", link="/supervision/")


@pytest.mark.parametrize("url", REFUSED_TARGETS.values(), ids=REFUSED_TARGETS.keys())
def test_a_non_public_target_is_refused_when_saved_with_a_clear_message(url):
    with pytest.raises(ValidationError) as refused:
        validate_webhook_url(url)
    assert "不能指向本机、内网" in refused.value.messages[0] or "https" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        WebhookEndpoint(name="机器人", kind="wecom", url=url).save()  # every save path, not only forms
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", [REFUSED_TARGETS["link-local (cloud metadata)"], "https://localhost/x"])
def test_the_admin_form_names_the_field(db, url):
    form = WebhookEndpointForm(data={"name": "机器人", "kind": "wecom", "url": url, "is_active": "on"})
    assert not form.is_valid()
    assert "不能指向本机、内网" in form.errors["url"][0]


@pytest.mark.parametrize(
    "url",
    ["https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "https://8.8.8.8/robot", "https://[2001:4860::8888]/"],
)
def test_a_public_https_target_is_accepted(url):
    validate_webhook_url(url)


def test_plain_http_is_refused_even_to_a_public_address():
    with pytest.raises(ValidationError, match="https"):
        validate_webhook_url("http://8.8.8.8/robot")


@pytest.mark.parametrize("name", ["loopback with a port", "a name resolving to loopback", "IPv4-mapped IPv6 loopback"])
def test_a_stored_non_public_target_is_refused_again_at_send_time(receiver, name):
    """A row written before the rule (or past it, with update()) is refused when posting, after resolving."""
    url = REFUSED_TARGETS[name].replace("6379", str(receiver.port))
    url = url.replace("https://localhost/", receiver.url("/", host="localhost"))
    with pytest.raises(SendError, match="不能指向本机、内网"):
        send(url)
    assert receiver.requests == []


def test_the_host_is_resolved_at_send_time(receiver):
    """``localhost`` is a name: it is refused by the addresses it resolves to, not by its spelling."""
    assert all(a.is_loopback for a in webhooks.resolve("localhost", 80))
    with pytest.raises(webhooks.Refused, match=r"127\.0\.0\.1|::1"):
        webhooks.post(receiver.url(host="localhost"), b"{}", headers={}, timeout=2)
    assert receiver.requests == []


def test_a_name_that_turns_private_after_it_was_saved_is_refused_when_sending(receiver, monkeypatch):
    """DNS rebinding: the name resolved to a public address when saved, to loopback when sending."""
    real = socket.getaddrinfo
    answers = {"robot.example.com": "93.184.215.14"}

    def getaddrinfo(host, *args, **kwargs):
        if host in answers:
            return real(answers[host], *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    endpoint = WebhookEndpoint.objects.create(name="机器人", kind="wecom", url="https://robot.example.com/send")
    answers["robot.example.com"] = "127.0.0.1"
    with pytest.raises(SendError, match="不能指向本机、内网"):
        send(endpoint.url.replace("/send", f":{receiver.port}/send"))
    assert receiver.requests == []


def test_an_allowed_test_network_is_reached(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    send(receiver.url())
    assert len(receiver.requests) == 1
    method, path, body = receiver.requests[0]
    assert (method, path) == ("POST", "/robot/send?key=secret")
    assert json.loads(body) == webhook_payload(kind="wecom", title="督办单", body="请回复", link="/supervision/")


def test_the_allowance_names_a_network_and_nothing_else(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    with pytest.raises(SendError, match="不能指向本机、内网"):
        send(receiver.url())
    assert receiver.requests == []


def test_a_redirect_is_not_followed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    target = Receiver()
    redirecting = Receiver(status=302, location=target.url("/stolen"))
    try:
        with pytest.raises(SendError, match="重定向"):
            send(redirecting.url())
        assert len(redirecting.requests) == 1
        assert target.requests == []  # the Location was not requested, by POST or by GET
    finally:
        target.close()
        redirecting.close()


@pytest.mark.parametrize("status", [301, 303, 307, 308])
def test_no_kind_of_redirect_is_followed(settings, status):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    target = Receiver()
    redirecting = Receiver(status=status, location=target.url("/stolen"))
    try:
        with pytest.raises(SendError, match=str(status)):
            send(redirecting.url())
        assert target.requests == []
    finally:
        target.close()
        redirecting.close()


def test_robot_messages_are_plain_text():
    """The robots' text message type renders nothing: user text in it stays text (no markdown type)."""
    payload = webhook_payload(
        kind="dingtalk", title="<a href='https://evil.example'>登录已过期</a>", body="**x**", link=""
    )
    assert payload["msgtype"] == "text" and set(payload) == {"msgtype", "text"}
    assert payload["text"]["content"].startswith("<a href=")


def test_e_mails_are_plain_text(mailoutbox):
    """No HTML alternative is sent: user text in an e-mail is text whatever it contains."""
    from notifications.senders import send_email

    send_email(address="a@example.org", title="<b>督办</b>", body="<img src=x>", link="/inbox/")
    (message,) = mailoutbox
    assert message.alternatives == [] and message.content_subtype == "plain"
    assert "<img src=x>" in message.body
