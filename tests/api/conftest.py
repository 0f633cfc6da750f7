"""The app over the full real dataset, one per test module, with a test client."""
from __future__ import annotations

import pytest

from dashboards import create_app


@pytest.fixture(scope="module")
def app(full_db):
    return create_app(full_db[0])


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()
