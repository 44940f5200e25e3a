"""Who may do what with the filing registers, declared once (supervision.policy).

A unit files and sees only its own filings (another unit's is 404); the office (admin) registers, reviews and
decides; inspectors and leaders read the registers."""
from __future__ import annotations

from ..policy import ALL_ROLES, STAFF, rule
from ..roles import Role

rule("filings.register", roles=STAFF)  # the registers, the statistics
rule("filings.manage", roles=(Role.admin,))  # register (备案号), review, decide, paper and missing filings, 清理
rule("filings.settings", roles=(Role.admin,))
rule("filings.mine", roles=(Role.unit,))  # 备案报送: the unit's own filings


@rule("filings.view", roles=ALL_ROLES)
def _view(user, filing) -> bool:
    """Staff see every filing; a unit user its own unit's."""
    return user.role != Role.unit.value or filing.unit_id == user.unit_id


@rule("filings.file", roles=(Role.unit,))
def _file(user, filing) -> bool:
    """A unit user edits and submits its own unit's filings while they are drafts or returned for 补正."""
    return filing.unit_id == user.unit_id
