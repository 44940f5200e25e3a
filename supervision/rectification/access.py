"""Who may do what in rectification (整改, 自查, the 整改台账), declared once: the views, the services (operations),
the templates and the menu ask these rules (supervision.policy)."""
from ..policy import ALL_ROLES, STAFF, Role, rule

# Pages.
rule("rectification.index", roles=ALL_ROLES)  # 整改: the unit's portal, or the office's ledger
rule("rectification.unit_portal", roles=(Role.unit,))  # 整改报送 (the unit's letters) and its 自查 form
rule("rectification.ledger", roles=STAFF)  # 整改台账 and its export
rule("rectification.stats", roles=STAFF)  # 整改统计
rule("rectification.self_overview", roles=STAFF)  # 自查: who has and who has not
rule("rectification.attachment", roles=ALL_ROLES)  # a file: then the record's own rule decides
rule("rectification.office_figures", roles=(Role.admin, Role.leader))  # the home page's panel of the office's figures
# The office's side of a letter's record: its drafting steps in the history, and who took each step.
rule("rectification.office_record", roles=STAFF)


@rule("rectification.view", roles=ALL_ROLES)
def _view(user, letter) -> bool:
    """An issued (or voided) letter's rectification; a unit user sees only its own unit's."""
    return not letter.is_draft and (user.role != Role.unit.value or letter.unit_id == user.unit_id)


@rule("rectification.reply", roles=(Role.unit,))
def _reply(user, letter) -> bool:
    """Reply, report, ask for an extension: the users of the unit the letter went to."""
    return user.unit_id is not None and letter.unit_id == user.unit_id


# The office's steps (书面审阅: accept, return, order an on-site check; paper replies; extensions).
rule("rectification.review", roles=(Role.admin,))
rule("rectification.record_paper_reply", roles=(Role.admin,))
rule("rectification.decide_extension", roles=(Role.admin,))


@rule("rectification.record_site_result", roles=(Role.admin, Role.inspector))
def _site_result(user, reply) -> bool:
    """The result of an on-site check: the admin, or an inspector of that 回头看 visit."""
    if user.role == Role.admin.value:
        return True
    visit = reply.site_visit
    return visit is not None and any(u.id == user.id for u in visit.inspectors)


@rule("rectification.self_edit", roles=(Role.unit,))
def _self_edit(user, si) -> bool:
    """A unit's 自查: filled in and submitted by its own users."""
    return user.unit_id is not None and si.unit_id == user.unit_id


@rule("rectification.self_view", roles=ALL_ROLES)
def _self_view(user, si) -> bool:
    """A 自查: the unit's own (draft or not); the office sees it once submitted, never the working draft."""
    if user.role == Role.unit.value:
        return si.unit_id == user.unit_id
    return not si.is_draft
