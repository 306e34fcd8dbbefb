"""The light list and the project list carry the 统计口径 of their figures (insights.DEFINITIONS)."""

from insights.definitions import DEFINITIONS_BY_KEY
from tests.factories import ProjectFactory


def test_light_list_and_project_list_disclose_their_definitions(client, leader):
    ProjectFactory()
    client.force_login(leader)
    for path, keys in (
        ("/supervision/", ("counted", "completion_rate", "time_progress", "lagging")),
        ("/projects/", ("year_plan", "scope", "lagging")),
    ):
        body = client.get(path).content.decode()
        for key in keys:
            assert f'data-definition="{key}"' in body, (path, key)
            assert str(DEFINITIONS_BY_KEY[key].text) in body, (path, key)
        assert "/dashboard/definitions/" in body
    # The list's lagging filter says the one rule (the lights' yellow threshold), not a rule of its own.
    assert "本年已审核完成投资低于" not in client.get("/projects/").content.decode()
