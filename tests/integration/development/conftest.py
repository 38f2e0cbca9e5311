"""Fixtures of the development list tests."""

import pytest

from auditapp.core.tenancy import Role
from tests import factories


@pytest.fixture
def shop(app):
    org = factories.make_org()
    auditor = factories.make_user(org, Role.AUDITOR)
    manager = factories.make_user(org, Role.MANAGER)
    journey = factories.make_journey(org, touchpoints=1, expectations=1)
    return org, auditor, manager, journey
