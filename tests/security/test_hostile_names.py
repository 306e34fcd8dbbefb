from decimal import Decimal

from django.urls import reverse

from projects.models import Project
from tests.factories import ProjectFactory

HOSTILE = "<script>alert(1)</script>'; DROP TABLE x;--"


def test_a_hostile_name_is_stored_verbatim_and_rendered_escaped(client, county_user):
    project = ProjectFactory(name=HOSTILE, investor='"><img src=x onerror=alert(2)>', total_investment=Decimal("9e3"))
    assert Project.objects.get(pk=project.pk).name == HOSTILE  # parameters, never SQL text
    client.force_login(county_user)
    for url in (reverse("projects:list"), reverse("projects:detail", args=[project.pk])):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&#x27;; DROP TABLE x;--" in html, url
