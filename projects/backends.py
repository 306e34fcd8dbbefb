"""The sign-in backend: Django's ModelBackend, whose per-request user comes with what every page asks
of it next, in one statement (common.batch): the role assignments that access.py decides with
(``access.user_roles`` finds them on the user) and the header's unread notification count."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Count

from common.batch import fetch_together
from notifications.selectors import unread_of

from .models import RoleAssignment


class UserWithRolesBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        users, roles, unread = fetch_together(
            model._default_manager.filter(pk=pk),
            RoleAssignment.objects.filter(user_id=pk),
            unread_of(pk).order_by().values("recipient_id").annotate(n=Count("id")).values_list("n", flat=True),
        )
        if not users or not self.user_can_authenticate(users[0]):
            return None
        user = users[0]
        for role in roles:
            RoleAssignment.user.field.set_cached_value(role, user)
        user._role_assignments = roles
        user._unread_notifications = unread[0] if unread else 0
        return user
