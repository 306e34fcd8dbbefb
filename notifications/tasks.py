"""Delivery tasks: fetch by id, call a service. acks_late + a claimed row: a retry or a redelivered
message never sends twice; a failure is logged, kept on the row and retried with backoff."""

import logging

from celery import shared_task
from django.conf import settings

from . import services

logger = logging.getLogger(__name__)


def retry_base_seconds():
    """First retry delay; doubles with each attempt (``NOTIFICATION_RETRY_SECONDS``, default 30)."""
    return getattr(settings, "NOTIFICATION_RETRY_SECONDS", 30)


@shared_task(
    bind=True,
    name="notifications.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=services.MAX_ATTEMPTS - 1,
    ignore_result=True,
)
def deliver(self, delivery_id):
    try:
        services.delivery_send(delivery_id=delivery_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            logger.error("delivery %s given up after %s attempts: %s", delivery_id, self.request.retries + 1, exc)
            return
        raise self.retry(exc=exc, countdown=min(retry_base_seconds() * 2**self.request.retries, 3600)) from exc


@shared_task(name="notifications.requeue_deliveries", ignore_result=True)
def requeue_deliveries():
    """Periodic sweep: nothing pending or failed stays unsent because a queue message was lost."""
    return len(services.deliveries_requeue())
