"""Events of progress reporting that higher apps listen to (investment never imports them)."""

from django.dispatch import Signal

# Sent inside the transaction after an entry is submitted, verified or returned.
# Arguments: ``entry`` (its new status saved), ``user`` (who acted).
entry_status_changed = Signal()
