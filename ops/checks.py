"""System checks for what must never reach production."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections

# The sign-in accounts `seed_demo` creates (demo/builders.py DemoBuilder.accounts), with a known password.
DEMO_USERNAMES = ("admin", "leader", "tiedong", "haicheng", "tiedong_reviewer", "fgw", "manager")


@checks.register(checks.Tags.security, checks.Tags.database)
def demo_accounts_absent_unless_allowed(app_configs=None, databases=None, **kwargs):
    """Unless DEMO_ACCOUNTS says this is a demo, no demo account may be able to sign in.

    A database check: it runs with `migrate` and `check --database default`, so a deployment that
    still carries the demo accounts fails loudly before it serves anyone.
    """
    if settings.DEMO_ACCOUNTS or not databases:
        return []
    from django.contrib.auth import get_user_model

    User = get_user_model()
    errors = []
    for alias in databases:
        try:
            found = [
                user.username
                for user in User.objects.using(alias).filter(username__in=DEMO_USERNAMES, is_active=True)
                if user.has_usable_password()
            ]
        except DatabaseError:  # before the first migrate there is no user table to look at
            connections[alias].close()
            continue
        if found:
            errors.append(
                checks.Error(
                    f"demo accounts can sign in while DEMO_ACCOUNTS is off: {', '.join(sorted(found))}",
                    hint="Delete them, deactivate them, or set an unusable password "
                    "(manage.py shell: user.set_unusable_password()).",
                    obj=f"database {alias!r}",
                    id="ops.E001",
                )
            )
    return errors
