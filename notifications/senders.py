"""The outside channels: e-mail through Django's e-mail backend, and group-robot webhooks
(WeCom and DingTalk share the text message format ``{"msgtype": "text", "text": {"content": ...}}``)."""

import http.client
import json

from django.conf import settings
from django.core.mail import send_mail

from . import webhooks

WEBHOOK_TIMEOUT_SECONDS = 5


class SendError(Exception):
    """A channel refused or failed; the delivery is retried."""


def message_text(*, title, body, link):
    parts = [title]
    if body:
        parts.append(body)
    if link:
        base = getattr(settings, "SITE_URL", "").rstrip("/")
        parts.append(f"{base}{link}")
    return "\n".join(parts)


def send_email(*, address, title, body, link):
    if not address:
        raise SendError("接收人没有电子邮件地址。")
    try:
        send_mail(
            subject=title,
            message=message_text(title=title, body=body, link=link),
            from_email=None,
            recipient_list=[address],
            fail_silently=False,
        )
    except OSError as exc:  # smtplib errors derive from OSError
        raise SendError(f"邮件发送失败:{exc}") from exc


def webhook_payload(*, kind, title, body, link):
    """Both robots accept the same text message (WeCom: msgtype text; DingTalk: msgtype text)."""
    return {"msgtype": "text", "text": {"content": message_text(title=title, body=body, link=link)}}


def send_webhook(*, url, kind, title, body, link):
    """Post to a public address only (checked again here, after resolving the host), following no
    redirect: see notifications/webhooks.py."""
    data = json.dumps(webhook_payload(kind=kind, title=title, body=body, link=link), ensure_ascii=False).encode()
    try:
        status, raw = webhooks.post(
            url, data, headers={"Content-Type": "application/json; charset=utf-8"}, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
    except (webhooks.Refused, webhooks.Redirected) as exc:
        raise SendError(str(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:  # refused, timeout, TLS, unresolvable, garbled
        raise SendError(f"机器人地址无法访问:{exc}") from exc
    if status >= 400:
        raise SendError(f"机器人地址无法访问:HTTP {status}")
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    # Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; any other errcode is a refusal.
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise SendError(f"机器人拒绝:{answer.get('errcode')} {answer.get('errmsg', '')}")
