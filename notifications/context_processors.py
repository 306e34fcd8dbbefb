from .selectors import unread_count as _unread_count


def unread_count(request):
    """``unread_notifications`` for the header badge: one COUNT on a partial index, only when signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": _unread_count(user=user)}
