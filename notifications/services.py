"""Writes for notifications. Other apps call ``notify``; delivery happens in Celery tasks after commit."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .choices import Channel, DeliveryStatus, Kind
from .models import ChannelPreference, Delivery, Notification, WebhookEndpoint

logger = logging.getLogger(__name__)

# A claimed delivery whose worker died is taken again after this long.
CLAIM_LEASE_SECONDS = 600
MAX_ATTEMPTS = 6


def _queue(delivery_ids):
    """Queue deliveries once the transaction commits; if the broker is down the sweep sends them later."""
    if not delivery_ids:
        return

    def send():
        # By name: services never import tasks (the tasks import services).
        from celery import current_app

        for delivery_id in delivery_ids:
            try:
                current_app.send_task("notifications.deliver", args=[delivery_id])
            except Exception:
                logger.warning("could not queue delivery %s; the sweep will send it", delivery_id, exc_info=True)

    transaction.on_commit(send)


@transaction.atomic
def notify(*, recipients, kind, event_key, title, body="", link=""):
    """Tell each recipient about one event, once: in the inbox, and over the channels they chose.

    ``event_key`` names the event (e.g. ``order_due:42:2026-11-27``); calling again with the same
    key creates nothing new for a recipient who already has it. Returns the new notifications.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": f"未知的通知类型:{kind}。"})
    if not event_key:
        raise ValidationError({"event_key": "事件标识不能为空。"})
    users = {u.pk: u for u in recipients if u is not None and getattr(u, "is_active", True)}
    if not users:
        return []
    title, link = title[:200], link[:300]
    existing = set(
        Notification.objects.filter(recipient_id__in=users, event_key=event_key).values_list("recipient_id", flat=True)
    )
    fresh = [
        Notification(recipient_id=pk, kind=kind, event_key=event_key, title=title, body=body, link=link)
        for pk in users
        if pk not in existing
    ]
    # ignore_conflicts: a concurrent call for the same event loses quietly instead of failing.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(
            recipient_id__in=[n.recipient_id for n in fresh], event_key=event_key
        ).select_related("recipient")
    )
    prefs = {p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=users)}
    delivery_ids = []
    webhook_users = []
    for notification in created:
        pref = prefs.get(notification.recipient_id) or ChannelPreference(user_id=notification.recipient_id)
        if pref.email and notification.recipient.email:
            try:
                with transaction.atomic():
                    delivery, new = Delivery.objects.get_or_create(
                        notification=notification,
                        channel=Channel.EMAIL,
                        defaults={"event_key": event_key, "title": title, "body": body, "link": link},
                    )
            except IntegrityError:  # a concurrent notify created it first
                new = False
            if new:
                delivery_ids.append(delivery.pk)
        if pref.webhook:
            webhook_users.append(notification.recipient_id)
    if webhook_users:
        endpoints = WebhookEndpoint.objects.filter(is_active=True, members__in=webhook_users).distinct()
        for endpoint in endpoints:
            try:
                with transaction.atomic():
                    delivery, new = Delivery.objects.get_or_create(
                        endpoint=endpoint,
                        event_key=event_key,
                        defaults={"channel": Channel.WEBHOOK, "title": title, "body": body, "link": link},
                    )
            except IntegrityError:  # a concurrent notify created it first
                continue
            if new:
                delivery_ids.append(delivery.pk)
    _queue(delivery_ids)
    return created


def delivery_claim(*, delivery_id):
    """Take a delivery for sending with one conditional update; None if someone else has it or it is done."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=CLAIM_LEASE_SECONDS)
    claimable = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=stale
    )
    taken = Delivery.objects.filter(claimable, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if taken != 1:
        return None
    return Delivery.objects.select_related("notification__recipient", "endpoint").get(pk=delivery_id)


def delivery_send(*, delivery_id):
    """Send one claimed delivery. Returns True when sent (or nothing to send), raises SendError to retry."""
    from . import senders

    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return False
    try:
        if delivery.channel == Channel.EMAIL:
            senders.send_email(
                address=delivery.notification.recipient.email,
                title=delivery.title,
                body=delivery.body,
                link=delivery.link,
            )
        else:
            if not delivery.endpoint.is_active:
                Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SKIPPED)
                return False
            senders.send_webhook(
                url=delivery.endpoint.url,
                kind=delivery.endpoint.kind,
                title=delivery.title,
                body=delivery.body,
                link=delivery.link,
            )
    except Exception as exc:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED, last_error=str(exc)[:2000]
        )
        logger.warning("delivery %s (%s) failed, attempt %s: %s", delivery.pk, delivery.channel, delivery.attempts, exc)
        raise
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return True


def deliveries_requeue(*, older_than_seconds=300):
    """Queue again what was never sent: pending or failed deliveries (below the attempt limit)
    and claims whose worker died. Returns the ids queued."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    stale = timezone.now() - datetime.timedelta(seconds=CLAIM_LEASE_SECONDS)
    ids = list(
        Delivery.objects.filter(
            Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], created_at__lt=cutoff)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale),
            attempts__lt=MAX_ATTEMPTS,
        ).values_list("pk", flat=True)[:1000]
    )
    _queue(ids)
    return ids


@transaction.atomic
def notification_mark_read(*, user, notification_ids=None):
    """Mark the user's own notifications read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def channel_preference_set(*, user, email, webhook):
    pref, _ = ChannelPreference.objects.update_or_create(user=user, defaults={"email": email, "webhook": webhook})
    return pref
