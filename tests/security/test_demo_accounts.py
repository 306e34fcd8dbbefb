import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from tests.factories import UserFactory


def demo_errors():
    return [e for e in checks.run_checks(databases=["default"]) if e.id == "ops.E001"]


def test_seed_demo_refuses_to_create_accounts_without_the_demo_setting(settings):
    settings.DEMO_ACCOUNTS = False
    with pytest.raises(CommandError, match="only created when DEMO_ACCOUNTS is on"):
        call_command("seed_demo", projects=0)


def test_a_demo_account_that_can_sign_in_fails_the_system_check_without_the_demo_setting(settings):
    settings.DEMO_ACCOUNTS = False
    UserFactory(username="leader", password="anshan-demo")
    errors = demo_errors()
    assert len(errors) == 1 and "leader" in errors[0].msg
    with pytest.raises(SystemCheckError, match=r"ops\.E001"):
        call_command("check", databases=["default"])


def test_demo_names_without_a_usable_password_or_inactive_pass_the_check(settings):
    settings.DEMO_ACCOUNTS = False
    user = UserFactory(username="admin")
    user.set_unusable_password()
    user.save()
    UserFactory(username="manager", is_active=False)
    UserFactory(username="someone_else")
    assert demo_errors() == []


def test_the_check_allows_demo_accounts_while_the_demo_setting_is_on(settings):
    settings.DEMO_ACCOUNTS = True
    UserFactory(username="tiedong", password="anshan-demo")
    assert demo_errors() == []


def test_debug_on_is_no_licence_for_demo_accounts(settings):
    settings.DEBUG, settings.DEMO_ACCOUNTS = True, False
    UserFactory(username="fgw", password="anshan-demo")
    errors = demo_errors()
    assert len(errors) == 1 and "fgw" in errors[0].msg
