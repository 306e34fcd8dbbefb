import statistics
from decimal import Decimal

from attraction import selectors
from projects.choices import Stage

from .conftest import d, project_with_history

P, N, S, L, C = Stage.PLANNING, Stage.NEGOTIATING, Stage.SIGNED, Stage.LANDED, Stage.CONSTRUCTION


def make_pipeline(tiedong, haicheng):
    a = project_with_history(region=tiedong, total="12000", steps=[(P, d("2026-01-10")), (N, d("2026-05-01")),
                                                                    (S, d("2026-10-05"))])  # fmt: skip
    b = project_with_history(region=tiedong, total="30000.50", steps=[(N, d("2026-03-01")), (S, d("2026-10-20"))])
    c = project_with_history(region=haicheng, total="8000", steps=[(P, d("2026-02-01")), (N, d("2026-10-15"))])
    e = project_with_history(region=haicheng, total="50000", steps=[(P, d("2025-06-01")), (N, d("2025-09-01")),
                                                                     (S, d("2026-01-20")), (L, d("2026-10-02"))])  # fmt: skip
    f = project_with_history(region=tiedong, total="7000", steps=[(P, d("2026-04-01"))])
    g = project_with_history(region=tiedong, total="90000", steps=[(S, d("2025-12-01")), (L, d("2026-02-01")),
                                                                    (C, d("2026-10-09"))], start_type="new")  # fmt: skip
    return a, b, c, e, f, g


def test_board_counts_and_amounts_per_county_and_city(leader, county_user, tiedong, haicheng):
    a, b, *_ = make_pipeline(tiedong, haicheng)
    board = selectors.pool_board(user=leader)
    assert board["city"][S] == {"count": 2, "total": a.total_investment + b.total_investment}
    assert board["city"][N] == {"count": 1, "total": Decimal("8000.00")}
    assert board["city"][L] == {"count": 1, "total": Decimal("50000.00")}
    assert board["city"][P] == {"count": 1, "total": Decimal("7000.00")}
    per_region = {row["region"].key: row["pools"] for row in board["regions"]}
    assert per_region["tiedong"][S]["count"] == 2
    assert per_region["haicheng"][L]["count"] == 1
    assert len(board["regions"]) == 10
    # A county user sees their own county's pools only.
    mine = selectors.pool_board(user=county_user)
    assert [row["region"].key for row in mine["regions"]] == ["tiedong"]
    assert mine["city"][L] == {"count": 0, "total": Decimal("0.00")}
    assert mine["city"][S]["count"] == 2


def test_flows_of_a_month_with_durations_computed_independently(leader, tiedong, haicheng):
    make_pipeline(tiedong, haicheng)
    flows = selectors.pool_flows(user=leader, month=d("2026-10-01"))
    transitions = {(t["from_stage"], t["to_stage"]): t for t in flows["transitions"]}
    assert transitions[(N, S)]["count"] == 2
    assert transitions[(N, S)]["total"] == Decimal("42000.50")
    assert transitions[(P, N)]["count"] == 1
    assert transitions[(S, L)]["count"] == 1
    assert transitions[(L, C)]["count"] == 1
    assert (P, S) not in transitions
    pools = flows["pools"]
    assert (pools[S]["inflow"], pools[S]["outflow"]) == (2, 1)
    assert (pools[N]["inflow"], pools[N]["outflow"]) == (1, 2)
    assert (pools[L]["inflow"], pools[L]["outflow"]) == (1, 1)
    # Stays that ended between 2025-10-01 and 2026-10-31, computed by hand.
    negotiating = [(d("2026-10-05") - d("2026-05-01")).days, (d("2026-10-20") - d("2026-03-01")).days,
                   (d("2026-01-20") - d("2025-09-01")).days]  # fmt: skip
    assert pools[N]["exits"] == 3
    assert pools[N]["avg_days"] == Decimal(str(round(statistics.mean(negotiating), 1)))
    assert pools[N]["median_days"] == Decimal(statistics.median(negotiating)).quantize(Decimal("0.1"))
    signed = [(d("2026-10-02") - d("2026-01-20")).days, (d("2026-02-01") - d("2025-12-01")).days]
    assert pools[S]["exits"] == 2
    assert pools[S]["avg_days"] == Decimal(str(statistics.mean(signed))).quantize(Decimal("0.1"))
    # Planning stays: a (2026-01-10 -> 05-01) and c (02-01 -> 10-15); e left in 2025-09 (before the window).
    assert pools[P]["exits"] == 2
    # Still in the pool at the end of October: f in planning, c negotiating, a and b signed, e landed.
    assert pools[P]["current"] == 1
    assert pools[S]["current"] == 2


def test_flows_are_scoped_to_the_users_county(county_user, tiedong, haicheng):
    make_pipeline(tiedong, haicheng)
    flows = selectors.pool_flows(user=county_user, month=d("2026-10-01"))
    pairs = {(t["from_stage"], t["to_stage"]): t["count"] for t in flows["transitions"]}
    assert pairs == {(N, S): 2, (L, C): 1}
    assert flows["pools"][N]["exits"] == 2


def test_flow_figures_use_few_queries(leader, tiedong, haicheng, django_assert_num_queries):
    make_pipeline(tiedong, haicheng)
    leader.roles.all()  # warm nothing: the user's roles are one query of their own
    with django_assert_num_queries(3):
        selectors.pool_flows(user=leader, month=d("2026-10-01"))
