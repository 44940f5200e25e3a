"""Who may do what with visits: declared once, asked by the routes, the services (operations) and the templates.
`queries._reach` says the "visits.view" rule in SQL for the lists; change both together."""
from ..policy import ALL_ROLES, STAFF, Role, rule

EDITORS = (Role.admin, Role.inspector)  # the roles that record visits
INSPECTOR_ROLES = (Role.inspector.value, Role.admin.value)  # the same, as stored values (queries, the dashboard)

rule("visits.view_list", roles=STAFF)  # the visits list, the problems list, the statistics, the catalogue
rule("visits.view_history", roles=STAFF)  # a visit's audit trail on its page
rule("visits.create", roles=EDITORS)  # start a visit
rule("visits.my_unit", roles=(Role.unit,))  # a unit's own visits
rule("visits.edit_catalogue", roles=(Role.admin,))  # save a new version of the check-item catalogue


@rule("visits.view", roles=ALL_ROLES)
def _may_see(user, visit) -> bool:
    """Staff see every visit, a leader the submitted ones, a unit user its own unit's submitted ones."""
    if user.role == Role.unit.value:
        return visit.unit_id == user.unit_id and visit.is_submitted
    if user.role == Role.leader.value:
        return visit.is_submitted
    return True


@rule("visits.view_unit", roles=ALL_ROLES)
def _may_see_unit(user, unit) -> bool:
    """A unit user sees only its own unit's history."""
    return user.role != Role.unit.value or unit.id == user.unit_id


@rule("visits.change", roles=EDITORS)
def _takes_part(user, visit) -> bool:
    """Who may change a visit's record, its problems and their evidence: an admin, or an inspector of the visit."""
    if user.role == Role.admin.value:
        return True
    return any(u.id == user.id for u in visit.inspectors)


@rule("visits.edit", roles=EDITORS)
def _may_edit(user, visit) -> bool:
    return visit.is_draft and _takes_part(user, visit)


@rule("visits.amend", roles=EDITORS)
def _may_amend(user, visit) -> bool:
    return visit.is_submitted and _takes_part(user, visit)


@rule("visits.delete", roles=EDITORS)
def _may_delete(user, visit) -> bool:
    """An admin, or the one who created it (only a draft can be deleted: operations.delete_draft says so)."""
    return user.role == Role.admin.value or visit.created_by_id == user.id
