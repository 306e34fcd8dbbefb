"""Who sees which tasks (projects/access.py service_task_q): county staff their county's, the owner
unit its tasks on any project, stewards and leaders those of their projects in every county they serve,
city roles all; outside scope the task does not exist (404, the same words)."""

import pytest

from assistance import selectors
from assistance.choices import TaskStatus
from projects.choices import Role
from projects.models import Department
from tests.factories import UserFactory, user_with_role

from .conftest import D


@pytest.fixture
def two_tasks(admin_user, project, haicheng_project, make_task):
    tiedong = make_task(user=admin_user, project=project)
    haicheng = make_task(user=admin_user, project=haicheng_project,
                         owner_unit=Department.objects.get(key="jtj"))  # fmt: skip
    return tiedong, haicheng


def visible(user):
    return set(selectors.task_list(user=user).values_list("pk", flat=True))


def test_each_role_sees_its_tasks(two_tasks, county_user, other_county_user, owner, steward, leader):
    tiedong, haicheng = two_tasks
    assert visible(county_user) == {tiedong.pk}
    assert visible(other_county_user) == {haicheng.pk}
    # 住建局 owes the 铁东 task (the project's sector department is 工信局): it sees that one only.
    assert visible(owner) == {tiedong.pk}
    # The steward serves both projects, in two counties.
    assert visible(steward) == {tiedong.pk, haicheng.pk}
    assert visible(leader) == {tiedong.pk, haicheng.pk}
    assert visible(UserFactory(username="nobody")) == set()
    # A county leader named on the project sees it too.
    county_leader = UserFactory(username="county_leader")
    haicheng.project.county_leader = county_leader
    haicheng.project.save()
    assert visible(county_leader) == {haicheng.pk}


def test_outside_scope_is_not_found_with_the_same_words(client, two_tasks, other_county_user):
    tiedong, _ = two_tasks
    client.force_login(other_county_user)
    outside = client.get(f"/assistance/{tiedong.pk}/")
    missing = client.get("/assistance/999999/")
    assert outside.status_code == missing.status_code == 404
    api_outside = client.get(f"/api/v1/service-tasks/{tiedong.pk}/")
    api_missing = client.get("/api/v1/service-tasks/999999/")
    assert api_outside.status_code == api_missing.status_code == 404
    assert api_outside.json() == api_missing.json()
    # Nor can it act on it.
    assert (
        client.post(f"/api/v1/service-tasks/{tiedong.pk}/accept/", {}, content_type="application/json").status_code
        == 404
    )
    tiedong.refresh_from_db()
    assert tiedong.status == TaskStatus.REQUESTED


def test_an_attachment_follows_its_task(client, two_tasks, other_county_user, county_user):
    from assistance.models import ServiceAttachment, ServiceContact

    tiedong, _ = two_tasks
    contact = ServiceContact.objects.create(task=tiedong, kind="call", contacted_on=D(2026, 10, 8), participants="x",
                                            settled="y", recorded_by=county_user)  # fmt: skip
    attachment = ServiceAttachment.objects.create(contact=contact, file="assistance/none.pdf", original_name="a.pdf",
                                                  content_type="application/pdf", size=1)  # fmt: skip
    client.force_login(other_county_user)
    assert client.get(f"/assistance/attachments/{attachment.pk}/").status_code == 404
    assert selectors.attachment_get.__name__  # the selector is the one path
    with pytest.raises(Exception):  # noqa: B017 - Http404
        selectors.attachment_get(user=other_county_user, pk=attachment.pk)
    assert selectors.attachment_get(user=county_user, pk=attachment.pk) == attachment


def test_open_task_counts_per_project_for_the_start_page(two_tasks, steward, county_user, project, haicheng_project):
    _, haicheng = two_tasks
    from assistance import services

    services.task_refuse(user=steward, task=haicheng, reason="不属于代办范围")
    assert selectors.open_task_counts(steward, [project.pk, haicheng_project.pk]) == {project.pk: 1}
    assert selectors.open_task_counts(county_user, [haicheng_project.pk]) == {}


def test_a_department_user_of_another_unit_sees_nothing(two_tasks):
    other = user_with_role("kjj", Role.DEPARTMENT, department=Department.objects.get(key="kjj"))
    assert visible(other) == set()
