"""Who may do what in 案卷评查: declared once, asked by the routes, the services and the templates.
`queries.campaigns_select` says the "casereview.view" rule in SQL for the list; change both together."""
from ..policy import ALL_ROLES, Role, rule

READERS = (Role.admin, Role.leader, Role.inspector)

rule("casereview.view_list", roles=READERS)  # the campaigns (an inspector: those it reviews)
rule("casereview.standard", roles=READERS)  # the 评查标准 and its versions, its .xlsx
rule("casereview.manage", roles=(Role.admin,))  # campaigns, the standard's import, problems → visits
rule("casereview.my_unit", roles=(Role.unit,))  # 案卷报送: a unit's own campaigns and case files


@rule("casereview.view", roles=READERS)
def _may_see(user, campaign) -> bool:
    """An admin and a leader see every campaign, an inspector the ones it is a reviewer of."""
    if user.role == Role.inspector.value:
        return any(u.id == user.id for u in campaign.reviewers)
    return True


@rule("casereview.score", roles=(Role.admin, Role.inspector))
def _may_score(user, campaign) -> bool:
    """The campaign's reviewers score its cases (an admin too)."""
    return user.role == Role.admin.value or any(u.id == user.id for u in campaign.reviewers)


@rule("casereview.unit_campaign", roles=(Role.unit,))
def _unit_in(user, campaign) -> bool:
    """A unit user sees a campaign only when its unit was sampled."""
    return any(cu.unit_id == user.unit_id for cu in campaign.units)


@rule("casereview.view_case", roles=ALL_ROLES)
def _may_see_case(user, case) -> bool:
    """A unit user sees only its own unit's case files and their scores; staff as for the campaign."""
    if user.role == Role.unit.value:
        return case.unit_id == user.unit_id
    return _may_see(user, case.campaign)
