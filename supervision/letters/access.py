"""Who may do what with letters (意见书), declared once; views, services, templates and the menu ask these rules
(supervision.policy)."""
from __future__ import annotations

from ..policy import ALL_ROLES, STAFF, rule
from ..roles import Role

EDITORS = (Role.admin, Role.inspector)

# The office's lists: 意见书, 发文登记, 批量打印, and what only the office sees on a letter's page (its source visit,
# who issued it, its history) and its Word file.
rule("letters.view_list", roles=STAFF)
rule("letters.see_internal", roles=STAFF)
# The unit's own inbox (我的意见书).
rule("letters.inbox", roles=(Role.unit,))


@rule("letters.view", roles=ALL_ROLES)
def _view(user, letter) -> bool:
    """Unit users see only their own unit's issued (or voided) letters; the office sees every letter."""
    return user.role != Role.unit.value or (letter.unit_id == user.unit_id and not letter.is_draft)


@rule("letters.draft", roles=EDITORS)
def _draft(user, visit) -> bool:
    """Admins draft from any visit; an inspector from the visits they were on."""
    return user.role == Role.admin.value or any(u.id == user.id for u in visit.inspectors)


@rule("letters.edit", roles=EDITORS)
def _edit(user, letter) -> bool:
    """Admins edit any draft; an inspector the drafts of visits they were on, or drafted themselves."""
    if not letter.is_draft:
        return False
    if user.role == Role.admin.value or letter.created_by_id == user.id:
        return True
    return letter.visit is not None and any(u.id == user.id for u in letter.visit.inspectors)


rule("letters.issue", roles=(Role.admin,))
rule("letters.void", roles=(Role.admin,))
rule("letters.correct", roles=(Role.admin,))
rule("letters.deliver", roles=(Role.admin,))  # 登记纸质送达
rule("letters.manage_types", roles=(Role.admin,))


@rule("letters.receive", roles=(Role.unit,))
def _receive(user, letter) -> bool:
    """签收 (and reading it as 'seen'): the users of the unit the letter is addressed to."""
    return user.unit_id == letter.unit_id
