"""A bounded schemathesis run over the supervision and notification endpoints: no server errors,
responses as the schema says, invalid input refused."""

import pytest
import schemathesis
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from projects.choices import Role
from tests.factories import ProjectFactory, user_with_role
from tests.schema_run import api_schema, bounded, wsgi_app  # noqa: F401 (fixtures)


@pytest.fixture
def token(db):
    admin = user_with_role("st_admin", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    ProjectFactory(name="模式测试项目")
    return Token.objects.create(user=admin).key


CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    # positive_data_acceptance is left out: a schema-valid body may name a project, region or
    # user that does not exist, which rightly gets 400/404.
]

schema = (
    schemathesis.pytest.from_fixture("api_schema")
    .include(path_regex=r"^/api/v1/(lights|supervision-orders|notifications|map|monthly-plans)/")
    # The multipart reply endpoint is left to test_pages_and_api: schemathesis' WSGI transport
    # cannot build a multipart body from generated non-object data (AttributeError in werkzeug).
    .exclude(path_regex=r"/reply/$")
)


@pytest.mark.slow
@schema.parametrize()
@bounded(max_examples=8)
def test_supervision_api_conforms_to_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
