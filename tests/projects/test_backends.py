"""projects.backends: the signed-in user comes with their roles and unread count in one query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from projects.backends import UserWithRolesBackend
from projects.choices import Role
from projects.models import RoleAssignment
from tests.factories import ProjectFactory, user_with_role


def _notify(user, n, *, read=False):
    from django.utils import timezone

    for i in range(n):
        Notification.objects.create(recipient=user, kind="entry_due", event_key=f"k{read}{i}", title=f"标题{i}",
                                    read_at=timezone.now() if read else None)  # fmt: skip


def test_the_user_their_roles_and_unread_count_in_one_query(county_user, tiedong, django_assert_num_queries):
    RoleAssignment.objects.create(user=county_user, role=Role.COUNTY_REVIEWER, region=tiedong)
    _notify(county_user, 3)
    _notify(county_user, 2, read=True)
    with django_assert_num_queries(1):
        user = UserWithRolesBackend().get_user(str(county_user.pk))
    with django_assert_num_queries(0):  # access.py reads the roles loaded with the user
        from projects.access import has_role, user_roles

        assert sorted(r.role for r in user_roles(user)) == sorted([Role.COUNTY_STAFF, Role.COUNTY_REVIEWER])
        assert has_role(user, Role.COUNTY_REVIEWER) and not has_role(user, Role.ADMIN)
        assert user._unread_notifications == 3
    with connection.cursor() as cursor:  # the badge's figure, counted independently
        cursor.execute("SELECT count(*) FROM notifications_notification WHERE recipient_id = %s AND read_at IS NULL",
                       [county_user.pk])  # fmt: skip
        assert cursor.fetchone()[0] == 3


def test_no_user_for_an_inactive_missing_or_malformed_id(county_user):
    backend = UserWithRolesBackend()
    assert backend.get_user(999999) is None
    assert backend.get_user("not-a-number") is None
    county_user.is_active = False
    county_user.save(update_fields=["is_active"])
    assert backend.get_user(county_user.pk) is None


def test_a_page_shows_the_preloaded_badge_and_reads_the_user_once(client, county_user):
    _notify(county_user, 2)
    project = ProjectFactory()
    client.force_login(county_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    assert str(response.context["unread_notifications"]) == "2"
    sql = [q["sql"] for q in queries.captured_queries]
    user_reads = [s for s in sql if f'"accounts_user"."id" = {county_user.pk}' in s]
    role_reads = [s for s in sql if f'"projects_roleassignment"."user_id" = {county_user.pk}' in s]
    counts = [s for s in sql if 'FROM "notifications_notification"' in s]
    assert len(user_reads) == 1 and role_reads == user_reads and counts == user_reads  # one statement for all three


def test_a_session_signed_in_through_the_plain_model_backend_stays_valid(client, county_user):
    client.force_login(county_user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/projects/").status_code == 200
    other = user_with_role("leader_b", Role.LEADERSHIP)
    client.force_login(other)  # the default: the first backend that can load users, ours
    assert client.session["_auth_user_backend"] == "projects.backends.UserWithRolesBackend"
