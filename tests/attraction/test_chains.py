"""Chains, clusters and featured industries: the default links, the roll-up by kind (against independent
SQL, in two scopes), the chain map page and its API."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from attraction import selectors
from attraction.models import ChainTarget
from projects.choices import Stage
from projects.models import Sector
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def sector(name):
    return Sector.objects.get(name=name)


@pytest.fixture
def chain_projects(tiedong, haicheng):
    made = []
    for name, region, total, stage in [
        ("菱镁", tiedong, "20000", Stage.SIGNED),
        ("耐火材料", tiedong, "8000", Stage.NEGOTIATING),  # featured, in the 菱镁 chain
        ("钢丝绳", tiedong, "15000.50", Stage.PLANNING),  # featured, in 钢铁及深加工
        ("柔性显示", haicheng, "30000", Stage.CONSTRUCTION),  # 电子信息 chain and 数字经济 cluster
        ("南果梨", haicheng, "6000", Stage.NEGOTIATING),  # 农产品深加工 chain, 现代农业 cluster
        ("数字经济", tiedong, "7000", Stage.LANDED),  # a cluster itself
        ("菱镁", haicheng, "9000", Stage.PLANNING),
    ]:
        made.append(ProjectFactory(sector=sector(name), region=region, total_investment=Decimal(total), stage=stage))
    return made


def rollup_sql(kind, region_id=None):
    """Independent SQL: each project's sector of ``kind`` (its own, or the chain/cluster its sector belongs to)."""
    parent = {"chain": "s.chain_id", "cluster": "s.cluster_id"}.get(kind, "NULL")
    sql = f"""
        SELECT k, COUNT(*), SUM(p.total_investment),
               COUNT(*) FILTER (WHERE p.stage IN ('planning', 'negotiating')),
               COALESCE(SUM(p.total_investment) FILTER (WHERE p.stage IN ('planning', 'negotiating')), 0)
        FROM (SELECT p.*, CASE WHEN s.kind = %s THEN s.id ELSE {parent} END AS k
              FROM projects_project p JOIN projects_sector s ON s.id = p.sector_id) p
        WHERE k IS NOT NULL {"AND p.region_id = %s" if region_id else ""}
        GROUP BY k
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind, region_id] if region_id else [kind])
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def as_tuples(group):
    return {
        r["sector"].pk: (r["project_count"], r["total_investment"], r["lead_count"], r["lead_investment"])
        for r in group["rows"]
        if r["project_count"]
    }


def test_the_reference_data_has_12_chains_4_clusters_8_featured_and_their_links():
    counts = {kind: Sector.objects.filter(kind=kind).count() for kind in ("chain", "cluster", "featured")}
    assert counts == {"chain": 12, "cluster": 4, "featured": 8}
    assert sector("钢丝绳").chain == sector("钢铁及深加工")
    assert sector("柔性显示").chain == sector("电子信息") and sector("柔性显示").cluster == sector("数字经济")


def test_a_sector_belongs_only_to_a_chain_and_a_cluster():
    wire = sector("钢丝绳")
    wire.chain = sector("数字经济")
    with pytest.raises(ValidationError) as error:
        wire.full_clean()
    assert "chain" in error.value.message_dict


@pytest.mark.parametrize("who", ["leader", "county_user"])
def test_rollup_by_kind_matches_independent_sql(chain_projects, who, request, tiedong):
    user = request.getfixturevalue(who)
    region_id = tiedong.pk if who == "county_user" else None
    kinds = {str(g["kind"]): g for g in selectors.chain_rollup(user=user)}
    for kind in ("chain", "cluster", "featured"):
        assert as_tuples(kinds[kind]) == rollup_sql(kind, region_id), kind
    chain = kinds["chain"]
    magnesite = next(r for r in chain["rows"] if r["sector"].name == "菱镁")
    # 菱镁 itself and 耐火材料 (tiedong), plus 菱镁 in haicheng for the leader.
    assert magnesite["project_count"] == (3 if who == "leader" else 2)
    assert len(kinds["chain"]["rows"]) == 12 and len(kinds["featured"]["rows"]) == 8


def test_the_chain_map_shows_targets_leads_and_projects_in_scope(client, county_user, chain_projects,
                                                                 django_assert_max_num_queries):  # fmt: skip
    magnesite = sector("菱镁")
    ChainTarget.objects.create(chain=magnesite, position="upstream", enterprise="<b>矿山</b>公司", product="菱镁矿石")
    ChainTarget.objects.create(chain=magnesite, position="downstream", enterprise="耐材集团", project=chain_projects[0])
    client.force_login(county_user)
    with django_assert_max_num_queries(20):
        page = client.get(f"/attraction/chains/{magnesite.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "&lt;b&gt;矿山&lt;/b&gt;公司" in html and "耐材集团" in html  # user text is data
    assert chain_projects[1].name in html  # the 耐火材料 lead (tiedong)
    assert chain_projects[0].name in html
    assert chain_projects[6].name not in html  # haicheng's project is outside the county's scope
    assert html.index("上游目标企业") < html.index(chain_projects[1].name) < html.index("下游目标企业")


def test_chain_pages_in_both_languages_and_api(client, leader, chain_projects, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(20):
        page = client.get("/attraction/chains/")
    assert page.status_code == 200 and "钢铁及深加工" in page.content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/attraction/chains/")
    assert (
        english.status_code == 200 and "Industry chains, clusters and featured industries" in english.content.decode()
    )
    client.cookies["django_language"] = "zh-hans"
    assert client.get(f"/attraction/chains/{sector('钢丝绳').pk}/").status_code == 404  # featured: no map
    data = client.get("/api/v1/attraction/chains/").json()
    clusters = next(k for k in data if k["kind"] == "cluster")
    digital = next(r for r in clusters["rows"] if r["name"] == "数字经济")
    # 数字经济 itself (7000, landed) and 柔性显示 (30000, under construction).
    assert digital["project_count"] == 2 and Decimal(digital["total_investment"]) == Decimal("37000.00")
