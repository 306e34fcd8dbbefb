"""The change log on the project's progress page speaks users' words: status labels, local times and
field names (verbose names), never stored codes or UTC timestamps."""

import re

from django.utils import timezone

from investment import services
from investment.models import ProgressEntry
from tests.factories import ProjectFactory


def test_the_change_log_shows_status_labels_local_times_and_field_names(client, county_user):
    project = ProjectFactory(stage="construction", start_type="new")
    entry = services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="20")
    services.progress_submit(user=county_user, entry=entry)
    client.force_login(county_user)
    html = client.get(f"/progress/project/{project.pk}/").content.decode()
    audit = html.split('id="audit"', 1)[1].split("</table>", 1)[0]
    assert "状态:草稿 → 已提交" in audit
    assert "submitted" not in audit and "draft" not in audit
    submitted_at = timezone.localtime(ProgressEntry.objects.get().submitted_at)
    assert f"提交时间:— → {submitted_at:%Y-%m-%d %H:%M}" in audit
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", audit)  # no ISO timestamps
