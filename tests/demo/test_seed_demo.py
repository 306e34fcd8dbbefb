import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.test import override_settings

from accounts.models import User
from attraction.demo import INTAKE_NAME
from projects.choices import Stage
from projects.models import Project, RoleAssignment, StageChange


def _fingerprint():
    return list(Project.objects.order_by("id").values_list("code", "name", "region__key", "total_investment", "stage"))


def test_same_seed_gives_the_same_data():
    call_command("seed_demo", projects=300, seed=7, no_accounts=True, no_progress_bar=True)
    first = _fingerprint()
    Project.objects.all().delete()
    call_command("seed_demo", projects=300, seed=7, no_accounts=True, no_progress_bar=True)
    assert [row[1:] for row in _fingerprint()] == [row[1:] for row in first]
    Project.objects.all().delete()
    call_command("seed_demo", projects=300, seed=8, no_accounts=True, no_progress_bar=True)
    assert [row[1:] for row in _fingerprint()] != [row[1:] for row in first]


def test_article_projects_with_their_figures():
    call_command("seed_demo", projects=50, no_accounts=True, no_progress_bar=True)
    amounts = dict(Project.objects.values_list("name", "total_investment"))
    assert amounts["新港国际广场"] == 300000
    assert amounts["鞍钢西鞍山铁矿项目"] == 2290000
    assert amounts["五矿陈台沟铁矿项目"] == 389000
    assert amounts["江苏帅龙集团(辽宁布顿)特种金属制品生产基地"] == 200000
    mine = Project.objects.get(name="鞍钢西鞍山铁矿项目")
    assert (mine.planned_start - mine.actual_start).days == 870


@pytest.mark.slow
def test_ten_thousand_projects_with_consistent_history():
    call_command("seed_demo", projects=10000, no_accounts=True, no_progress_bar=True)
    # The 10,000 generated, and attraction's one project registered the web way (from intake to start).
    assert Project.objects.exclude(name=INTAKE_NAME).count() == 10000
    assert Project.objects.filter(name=INTAKE_NAME).count() == 1
    stages = dict(Project.objects.values_list("stage").annotate(n=Count("id")))
    # The pools keep the article's proportions (499 / 491 / 344 / 225 per 3,000).
    assert abs(stages[Stage.PLANNING] - 1663) <= 1
    assert abs(stages[Stage.LANDED] - 750) <= 1
    # Every project's last stage change leads to its current stage.
    mismatched = Project.objects.raw(
        """SELECT p.id FROM projects_project p JOIN LATERAL (
               SELECT to_stage FROM projects_stagechange s WHERE s.project_id = p.id
               ORDER BY changed_on DESC, id DESC LIMIT 1) last ON true
           WHERE last.to_stage <> p.stage"""
    )
    assert list(mismatched) == []
    assert StageChange.objects.filter(from_stage="").count() == 10001
    assert Project.objects.filter(annual_plan__gt=models_total()).count() == 0
    # Seeded rows are not user edits (the intake project is: made through the services, it has history).
    assert Project.pgh_event_model.objects.exclude(name=INTAKE_NAME).count() == 0
    assert Project.pgh_event_model.objects.filter(name=INTAKE_NAME).exists()


def models_total():
    from django.db.models import F

    return F("total_investment")


def test_city_set_matches_the_article_order_of_magnitude():
    call_command("seed_demo", no_accounts=True, no_progress_bar=True)
    from django.db.models import Q
    from django.utils import timezone

    year = timezone.localdate().year
    started = Project.objects.filter(stage=Stage.CONSTRUCTION, total_investment__gte=5000).filter(
        Q(actual_start__year=year) | Q(start_type="resumed")
    )
    count, total = started.count(), started.aggregate(s=Sum("total_investment"))["s"]
    assert 500 <= count <= 700
    assert 1500 * 10000 <= total <= 2600 * 10000  # 亿元 -> 万元
    signed = Project.objects.filter(stage=Stage.SIGNED).aggregate(n=Count("id"), s=Sum("total_investment"))
    assert signed["n"] == 344
    assert 800 * 10000 <= signed["s"] <= 1400 * 10000


def test_demo_accounts_only_with_the_demo_setting():
    with pytest.raises(CommandError):
        call_command("seed_demo", projects=10, no_progress_bar=True)
    assert not User.objects.filter(username="tiedong").exists()
    with override_settings(DEMO_ACCOUNTS=True):
        call_command("seed_demo", projects=10, no_progress_bar=True)
    user = User.objects.get(username="tiedong")
    assert user.check_password("anshan-demo")
    assert RoleAssignment.objects.get(user=user).region.key == "tiedong"
    assert set(
        User.objects.filter(
            username__in=["admin", "leader", "haicheng", "tiedong_reviewer", "fgw", "manager"]
        ).values_list("username", flat=True)
    ) == {"admin", "leader", "haicheng", "tiedong_reviewer", "fgw", "manager"}


def test_if_empty_leaves_existing_data_alone():
    call_command("seed_demo", projects=20, no_accounts=True, no_progress_bar=True)
    seeded = Project.objects.count()  # the 20 generated, with the article's named and intake projects
    assert seeded >= 20
    call_command("seed_demo", projects=40, if_empty=True, no_accounts=True, no_progress_bar=True)
    assert Project.objects.count() == seeded
