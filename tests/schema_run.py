"""What the bounded schemathesis runs share (tests/api_v1/test_schema.py and
tests/supervision/test_api_schema.py): the live WSGI app inside the test's transaction, the schema
it serves, and the run's bounds. Each module brings its own ``token`` fixture and its checks."""

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings


@pytest.fixture
def wsgi_app(db):
    """The real WSGI application, inside the test's transaction: like Django's test client, keep
    the end of each request from closing the connection that holds that transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, token):
    import schemathesis

    # The schema is served to signed-in callers only: the run's own token fetches it.
    return schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers={"Authorization": f"Token {token}"})


def bounded(max_examples):
    """Hypothesis settings for a short, repeatable run: generated cases only, no example database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
