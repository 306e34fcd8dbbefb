from django.utils.functional import SimpleLazyObject

from .selectors import unread_count as _unread_count


def unread_count(request):
    """``unread_notifications`` for the header badge: one COUNT on a partial index, run only when a
    template actually shows it (pages that do not pay nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    preloaded = getattr(user, "_unread_notifications", None)  # read with the user (projects.backends)
    if preloaded is not None:
        return {"unread_notifications": preloaded}
    return {"unread_notifications": SimpleLazyObject(lambda: _unread_count(user=user))}
