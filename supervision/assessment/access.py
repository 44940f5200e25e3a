"""Who may do what with the 考核. The office (admin) runs it; reviewers (inspectors) rate what is assigned to them
or their office; the leader reads; a unit reports its materials and sees its own result only, from 反馈 on."""
from ..extensions import db
from ..policy import ALL_ROLES, Role, rule
from .models import AssessYear, YearStatus

MANAGERS = (Role.admin,)
REVIEWERS = (Role.admin, Role.inspector)
READERS = (Role.admin, Role.inspector, Role.leader)

rule("assessment.view", roles=READERS)        # the year overview, scheme, progress, results, a unit's breakdown
rule("assessment.manage", roles=MANAGERS)     # scheme import/edit, settings, 汇总, flow steps, 加减分, 异议 复核, 更正
rule("assessment.leader", roles=(Role.admin, Role.leader))  # the leader's page
rule("assessment.my_unit", roles=(Role.unit,))  # a unit's own 考核: materials, its result, its 异议
rule("assessment.file", roles=ALL_ROLES)  # a material or evidence file (the view checks whose)


@rule("assessment.rate", roles=REVIEWERS)
def _may_rate(user, indicator) -> bool:
    """An admin rates anything; an inspector what is assigned to them, to their office, or to nobody."""
    if user.role == Role.admin.value:
        return True
    if indicator.reviewer_id is not None:
        return indicator.reviewer_id == user.id
    if indicator.office_id is not None:
        return indicator.office_id == user.office_id
    return True


@rule("assessment.see_own_result", roles=(Role.unit,))
def _sees_result(user, unit_year) -> bool:
    """A unit sees its own breakdown once the 汇总 is fed back (反馈 and later), never another unit's."""
    y = db.session.get(AssessYear, unit_year.year_id)
    return unit_year.unit_id == user.unit_id and y.reached(YearStatus.feedback.value)
