"""Reads for the inbox: a user only ever sees their own notifications."""

from django.http import Http404

from .models import ChannelPreference, Notification


def inbox(*, user, unread_only=False):
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(*, user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return unread_of(user.pk).count()


def unread_of(user_id):
    """The user's unread notifications (the header badge counts them)."""
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)


def notification_get(*, user, pk):
    try:
        return Notification.objects.get(recipient=user, pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("消息不存在。") from None


def channel_preference(*, user):
    return ChannelPreference.objects.filter(user=user).first() or ChannelPreference(user=user)
