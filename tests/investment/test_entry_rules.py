"""The entry rules are pure functions where they can be (no database), and the page, the API and the
import share them: the same refusal, whoever enters the month."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from investment import entry_rules
from investment.choices import EntryStatus

D = datetime.date


def entry(status):
    return SimpleNamespace(status=status, get_status_display=lambda: EntryStatus(status).label)


def test_a_future_month_is_refused_and_this_month_is_not():
    assert entry_rules.future_month_error(D(2026, 12, 1), this_month=D(2026, 11, 1)) == "不能填报未来月份。"
    assert entry_rules.future_month_error(D(2026, 11, 1), this_month=D(2026, 11, 1)) is None


def test_a_frozen_month_is_refused_with_the_words_of_each_way_in():
    frozen = {D(2026, 3, 1)}
    assert "如需更正请提交修正" in entry_rules.frozen_error(D(2026, 3, 1), frozen=frozen)
    assert "不能导入" in entry_rules.frozen_error(D(2026, 3, 1), frozen=frozen, via="import")
    assert entry_rules.frozen_error(D(2026, 4, 1), frozen=frozen) is None


@pytest.mark.parametrize("status", [EntryStatus.SUBMITTED, EntryStatus.VERIFIED])
def test_submitted_and_verified_entries_are_locked(status):
    assert entry_rules.locked_error(entry(status)).startswith("该月进度")
    assert entry_rules.locked_error(entry(status), via="import").endswith("不能通过导入修改。")


@pytest.mark.parametrize("status", [EntryStatus.DRAFT, EntryStatus.RETURNED])
def test_draft_and_returned_entries_may_change(status):
    assert entry_rules.locked_error(entry(status)) is None


def test_the_imports_sql_names_exactly_the_editable_states():
    assert entry_rules.editable_sql("e.status") == "e.status IN ('draft', 'returned')"
    assert set(entry_rules.EDITABLE) | set(entry_rules.LOCKED) == set(EntryStatus.values)


def test_amount_bounds():
    assert entry_rules.amount_error(Decimal("-0.01")) == "金额不能为负数。"
    assert entry_rules.amount_error(Decimal("1e12")) == "金额过大。"
    assert entry_rules.amount_error(Decimal("NaN")) == "应为数字。"
    assert entry_rules.amount_error(Decimal("0")) is None


def test_an_overrun_needs_a_reason_and_an_implausible_month_a_confirmation():
    project = SimpleNamespace(total_investment=Decimal("100"), annual_plan=Decimal("10"))
    limits = SimpleNamespace(year_plan_factor=Decimal("3"))
    errors, flag = entry_rules.amount_rules(project=project, amount=Decimal("40"), overrun_reason="",
                                            since_start_other=Decimal("70"), confirmed=False, limits=limits)  # fmt: skip
    assert set(errors) == {"overrun_reason", entry_rules.CONFIRM_FIELD} and "3 倍" in flag
    errors, flag = entry_rules.amount_rules(project=project, amount=Decimal("40"), overrun_reason="追加设备",
                                            since_start_other=Decimal("70"), confirmed=True, limits=limits)  # fmt: skip
    assert errors == {} and flag


def test_the_page_and_the_import_refuse_a_frozen_month_through_the_same_rule(county_user):
    from investment import services
    from tests.factories import ProjectFactory

    project = ProjectFactory(code="2026-210302-04-01-RULE01")
    from investment.excel import validate_progress_rows
    from investment.excel.columns import COL_AMOUNT, COL_CODE, COL_PERIOD

    services.period_freeze(period=D(2026, 1, 1))
    with pytest.raises(Exception) as refused:
        services.progress_save(user=county_user, project=project, period="2026-01", amount_completed="1")
    assert refused.value.message_dict["period"] == [entry_rules.frozen_error(D(2026, 1, 1), frozen={D(2026, 1, 1)})]
    result, _writes = validate_progress_rows(
        user=county_user, headers=[COL_CODE, COL_PERIOD, COL_AMOUNT], rows=[[project.code, "2026-01", 1]]
    )
    assert not result.valid  # progress_import writes nothing while any row is refused
    assert result.errors == [{"row": 2, "column": COL_PERIOD,
                              "message": entry_rules.frozen_error(D(2026, 1, 1), frozen={D(2026, 1, 1)}, via="import")}]  # fmt: skip
