"""Open data: the public fields of the key projects as an OC4IDS 0.9 project package.

Facts from the standard (schema 0.9.5, JSON Schema draft 4), see docs/domain notes section 10:
the package needs uri, publisher.name, publishedDate (date-time with time zone), version "0.9"
and projects; a project's id starts with the project identifier prefix (``oc4ids-`` plus six
characters, ``settings.OC4IDS_PREFIX``); money is a Value object ``{"amount": <number>,
"currency": "CNY"}`` in yuan (万元 x 10,000); geometry coordinates are [longitude, latitude].

Only public fields are published: no people (leaders, stewards, users), no problems, no
progress entries or internal figures; and only the stages the administrator's disclosure policy
publishes (``OpenDataPolicy``, default landed and later).

The API serves the package in pages (``?page=N``, the policy's page size, ``links.next`` and
``links.prev`` as in OCDS packages), each cached until a published project changes.
"""

import datetime
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from .choices import Stage
from .selectors import key_thresholds, open_data_policy, projects_public

CACHE_SECONDS = 600

OC4IDS_VERSION = "0.9"
TEN_THOUSAND = Decimal(10_000)

# Our stages -> the closed projectStatus codelist.
STATUS = {
    Stage.PLANNING: "identification",
    Stage.NEGOTIATING: "identification",
    Stage.SIGNED: "identification",
    Stage.LANDED: "preparation",
    Stage.CONSTRUCTION: "implementation",
    Stage.COMPLETED: "completion",
    Stage.OPERATING: "maintenance",
}

# Our categories -> the closed projectType codelist: industrial upgrading (工业"四改") works on
# existing plants; everything else is new construction.
TYPE = {"industrial": "rehabilitation"}
DEFAULT_TYPE = "construction"

# Our sector kinds and names -> the open projectSector codelist (best fit; "economy" otherwise).
SECTOR_BY_NAME = {
    "新能源": "energy",
    "电子信息": "communications",
    "数字经济": "communications",
    "文旅康养": "cultureSportsAndRecreation",
}
CATEGORY_SECTOR = {"urban": "transport.urban"}
DEFAULT_SECTOR = "economy"


def yuan(amount_wan):
    """A Value object: 万元 (Decimal) -> yuan as a JSON number, currency CNY."""
    amount = (amount_wan * TEN_THOUSAND).quantize(Decimal("0.01"))
    number = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {"amount": number, "currency": "CNY"}


def _datetime(day):
    """OC4IDS periods are date-times: the start of the day in the local time zone."""
    if day is None:
        return None
    moment = datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())
    return moment.isoformat()


def project_id(project):
    """Globally unique: the prefix plus the national project code, or our own id without one."""
    local = project.code or f"AS{project.pk}"
    return f"{settings.OC4IDS_PREFIX}-{local}"


def _organisation(department):
    return {"id": f"anshan-dept-{department.key}", "name": department.name}


def project_record(project):
    """One OC4IDS project from a Project (with region, sector, category, department joined)."""
    lead = project.department or project.category.lead_department
    record = {
        "id": project_id(project),
        "updated": project.updated_at.isoformat(),
        "title": project.name,
        "description": project.description or project.name,
        "status": STATUS[project.stage],
        "type": TYPE.get(project.category.key, DEFAULT_TYPE),
        "sector": [_sector(project)],
        "language": "zh",
        "budget": {"amount": yuan(project.total_investment)},
        "identifiers": [{"id": str(project.pk), "scheme": "anshan-projects"}],
    }
    if project.code:
        record["identifiers"].append({"id": project.code, "scheme": "CN-TZXM"})  # 全国投资项目在线审批监管平台
    period = {}
    start = project.actual_start or project.planned_start
    end = project.actual_completion or project.planned_completion
    if start:
        period["startDate"] = _datetime(start)
    if end:
        period["endDate"] = _datetime(end)
    if period:
        record["period"] = period
    location = {"id": "1", "description": f"{project.region.name} {project.address}".strip()}
    location["address"] = {
        "streetAddress": project.address or project.region.name,
        "locality": project.region.name,
        "region": "辽宁省鞍山市",
        "countryName": "中国",
    }
    if project.longitude is not None and project.latitude is not None:
        location["geometry"] = {"type": "Point", "coordinates": [float(project.longitude), float(project.latitude)]}
    record["locations"] = [location]
    if lead is not None:
        authority = _organisation(lead)
        record["publicAuthority"] = authority
        record["parties"] = [{**authority, "roles": ["publicAuthority"]}]
    if project.stage in (Stage.COMPLETED, Stage.OPERATING) and project.actual_completion:
        record["completion"] = {"endDate": _datetime(project.actual_completion)}
    return record


def _sector(project):
    if project.sector_id and project.sector.name in SECTOR_BY_NAME:
        return SECTOR_BY_NAME[project.sector.name]
    return CATEGORY_SECTOR.get(project.category.key, DEFAULT_SECTOR)


_UNSET = object()


def project_package(*, uri, projects=None, last_change=_UNSET, links=None):
    """The package as a dict. publishedDate is the last change of the published rows (the
    standard's advice for packages generated on demand), or now when there are none."""
    projects = projects_public() if projects is None else projects
    if last_change is _UNSET:
        last_change = projects.aggregate(last=Max("updated_at"))["last"]
    # Lead departments of categories are needed when a project has none of its own.
    if hasattr(projects, "select_related"):
        projects = projects.select_related("category__lead_department").iterator(chunk_size=2000)
    package = {
        "uri": uri,
        "version": OC4IDS_VERSION,
        "publishedDate": timezone.localtime(last_change or timezone.now()).isoformat(),
        "publisher": {"name": settings.OC4IDS_PUBLISHER},
        "projects": [project_record(p) for p in projects],
    }
    if links:
        package["links"] = links
    return package


class PageOutOfRange(Exception):
    pass


def package_page(*, uri, page):
    """One page of the published package, from the cache while no published project changed.

    The cache key holds what decides the page: the policy, the key-project thresholds, the
    identifier settings, and the published rows' count and last change (one aggregate query per
    request; a hit costs three queries, a miss four)."""
    policy = open_data_policy()
    thresholds = key_thresholds()
    projects = projects_public(policy, thresholds)
    state = projects.aggregate(count=Count("id"), last=Max("updated_at"))
    pages = max(1, -(-state["count"] // policy.page_size))
    if page > pages:
        raise PageOutOfRange(page)
    decided_by = (
        uri, page, policy.earliest_stage, policy.page_size, sorted((str(k), str(v)) for k, v in thresholds.items()),
        settings.OC4IDS_PREFIX, settings.OC4IDS_PUBLISHER, state["count"], str(state["last"]),
    )  # fmt: skip
    key = "opendata:" + hashlib.sha256(repr(decided_by).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    links = {}
    if page < pages:
        links["next"] = f"{uri}?page={page + 1}"
    if page > 1:
        links["prev"] = f"{uri}?page={page - 1}" if page > 2 else uri
    offset = (page - 1) * policy.page_size
    rows = list(projects.select_related("category__lead_department")[offset : offset + policy.page_size])
    package = project_package(uri=uri, projects=rows, last_change=state["last"], links=links)
    cache.set(key, package, CACHE_SECONDS)
    return package
