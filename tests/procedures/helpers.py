"""Templates and projects for the procedure-engine tests."""

import datetime

from investment import procedure_services as services
from investment.choices import ProcedureProjectType
from investment.models import ProcedureTemplate, ProcedureTemplateItem
from projects.models import Department
from tests.factories import ProjectFactory


def template(spec, *, name="测试模板", project_type=ProcedureProjectType.ENTERPRISE_APPROVAL):
    """``spec``: [(name, days, [names it waits for], department key, green days or None, parent name)]."""
    t = ProcedureTemplate.objects.create(name=name, project_type=project_type)
    items = {}
    for order, row in enumerate(spec):
        item_name, days, deps, dept, green, parent = (list(row) + [None] * 6)[:6]
        items[item_name] = ProcedureTemplateItem.objects.create(
            template=t,
            name=item_name,
            standard_days=days,
            green_channel_days=green,
            department=Department.objects.get(key=dept) if dept else None,
            parent=items.get(parent),
            sort_order=order,
        )
        items[item_name].depends_on.set([items[d] for d in deps or []])
    return t


def project_with(spec, *, user, start=datetime.date(2026, 11, 2), **project):
    p = ProjectFactory(**project)
    services.procedure_template_apply(user=user, project=p, template=template(spec, name=f"模板{p.pk}"), start_on=start)
    return p


def dates(project):
    return {i.name: (i.planned_start, i.planned_date) for i in project.procedures.all()}
