"""Search by name, code or investor: the bigram index (projects.search) returns exactly what the plain
case-insensitive substring scan returns, for every kind of text users type."""

import pytest
from django.db import connection, transaction
from django.db.models import Q

from projects.filters import ProjectFilterSet
from projects.models import Project
from tests.factories import ProjectFactory

NAMES = [
    ("鞍钢钢铁深加工项目", "2024-210302-04-01-A1B2C3", "鞍山钢铁集团有限公司"),
    ("海城菱镁新材料产业园", "2025-210381-04-01-Z9Y8X7", "海城市菱镁矿业有限责任公司"),
    ("铁东区智慧物流园", None, "辽宁恒通物流股份有限公司"),
    ("菱", "2023-210303-02-05-000001", ""),
    ("钢", None, "铁"),
    ("Anshan Steel Pipe (Phase II)", "2026-210302-04-01-ABCDEF", "AnSteel Co., Ltd."),
    ("anshan steel pipe phase iii", None, "ANSTEEL GROUP"),
    ("50%股权项目_一期", None, "a\\b 'quoted' \"double\""),
    ("镁钢铁 混合 mixed-Case", "2022-210304-01-01-MIXED1", "x:*y & z | !w (p)"),
    ("新能源汽车零部件", None, "鞍山新能源汽车零部件制造有限公司"),
    ("钢铁", None, ""),
    ("文旅 综合体 ", None, " 旅游开发公司"),
    ("镁制品深加工", None, "海城镁制品厂"),
    ("高纯镁制品基地", "2021-210381-04-02-MG0001", "Éclat 镁制品 straße"),
]

QUERIES = [
    "钢铁", "菱镁", "钢", "铁", "菱", "镁", "产业园", "新能源汽车", "有限公司", "股份", "零部件制造",
    "2024", "2024-210302", "210302-04-01", "-04-", "-", "A1B2", "a1b2", "a1B2c3", "-A1B2C3", "MIXED1",
    "steel", "STEEL", "Steel Pipe", "pipe (phase", "(", ")", "ii", "I", "a", "x", "ansteel",
    "50%", "%", "_", "_一", "\\", "a\\b", "'", "'quoted'", '"', "x:*", ":*", "&", "|", "!w", "& z",
    "混合 mix", " 混合 ", "综合体 ", "旅游", "区智", "鞍山钢铁集团有限公司", "不存在的项目", "钢铁钢铁",
    "鞍钢钢铁深加工项目!", "ed-c", "镁钢", "Ltd.", ".", ",", "Co., L",
    "镁制品", "镁制品厂", "钢铁制品", "2024-210302-04-01-A1B2C3", "2022-210304-01-01-MIXED1", "210302-04-01-A",
    "a\\b 'q", "Éclat", "é", "straße",
]  # fmt: skip


@pytest.fixture
def projects():
    for name, code, investor in NAMES:
        ProjectFactory(name=name, code=code, investor=investor)


def _today(text):
    """Today's search: Django's icontains over the three columns (a sequential scan)."""
    text = text.strip()
    if not text:
        return set(Project.objects.values_list("pk", flat=True))
    rows = Project.objects.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(investor__icontains=text))
    return set(rows.values_list("pk", flat=True))


def _ilike(text):
    """The same question in SQL written here, with ILIKE (LIKE's wildcards escaped)."""
    text = text.strip()
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM projects_project WHERE name ILIKE %s OR code ILIKE %s OR investor ILIKE %s",
            [pattern] * 3,
        )
        return {row[0] for row in cursor.fetchall()}


def _searched(text):
    return set(ProjectFilterSet({"search": text}, queryset=Project.objects.all()).qs.values_list("pk", flat=True))


@pytest.mark.parametrize("text", [*QUERIES, "", "   "])
def test_search_equals_the_substring_scan(projects, text):
    expected = _today(text)
    assert _searched(text) == expected == _ilike(text)


def test_the_cases_are_not_trivial(projects):
    # The comparison means something only if the queries both hit and miss.
    hits = [len(_today(q)) for q in QUERIES]
    assert sum(1 for h in hits if h == 0) >= 1
    assert sum(1 for h in hits if 0 < h < len(NAMES)) >= 40
    found = Project.objects.filter(pk__in=_searched("钢铁")).values_list("name", flat=True)
    assert set(found) == {"鞍钢钢铁深加工项目", "镁钢铁 混合 mixed-Case", "钢铁"}


def test_a_new_or_renamed_project_is_found(projects):
    project = ProjectFactory(name="新建菱镁项目")
    assert project.pk in _searched("菱镁")
    Project.objects.filter(pk=project.pk).update(name="改名项目", investor="钢铁公司")
    assert project.pk not in _searched("菱镁")
    assert project.pk in _searched("钢铁")


@pytest.mark.parametrize("text", ["钢铁", "钢", "2024-210302", "steel"])
def test_the_search_uses_the_bigram_index(projects, text):
    qs = ProjectFilterSet({"search": text}, queryset=Project.objects.all()).qs.order_by()
    sql, params = qs.values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "project_search_bigrams" in plan, plan


def test_the_index_was_built_and_is_valid():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid, am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'project_search_bigrams'"
        )
        assert cursor.fetchall() == [(True, "gin")]


def test_the_admin_search_uses_the_same_search(client, admin_user, projects):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for term, expected in (
        ("钢铁", _today("钢铁")),
        ("菱镁 有限", _today("菱镁") & _today("有限")),
        ('"steel pipe"', _today("steel pipe")),
    ):
        response = client.get("/admin/projects/project/", {"q": term})
        assert response.status_code == 200
        assert {p.pk for p in response.context["cl"].result_list} == expected, term


@pytest.mark.parametrize("text", ["镁制品", "制品", "2024-210302-04-01-A1B2C3", "有限公司", "Éclat"])
def test_a_frequent_word_walks_the_list_and_finds_the_same(projects, monkeypatch, text):
    """Above ``FREQUENT`` matches the filter is one the index does not serve (the list is walked in its
    order); the projects found are the same."""
    from projects import search

    monkeypatch.setattr(search, "FREQUENT", 1)
    assert _searched(text) == _today(text) == _ilike(text)
    condition = search.search_q(text)
    assert ("IS TRUE" in str(Project.objects.filter(condition).query)) == (len(text) >= 3 and bool(_today(text)))
