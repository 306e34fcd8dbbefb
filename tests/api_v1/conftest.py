import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """An API client; `api.force_authenticate(user)` signs in as someone."""
    return APIClient()


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
