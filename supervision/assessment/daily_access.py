"""Who may see and set the 日常工作情况评价, declared once (supervision.policy): the admin sets the rules; the admin,
inspectors and leaders read every unit's score; a unit reads only its own explanation."""
from ..policy import ALL_ROLES, STAFF, Role, rule

rule("assessment_daily.view_all", roles=STAFF)               # every unit's daily score and the rules' settings
rule("assessment_daily.edit_settings", roles=(Role.admin,))  # change a year's weights and parameters
rule("assessment_daily.mine", roles=(Role.unit,))            # the unit's own explanation, from the menu


@rule("assessment_daily.view_unit", roles=ALL_ROLES)
def _view_unit(user, unit) -> bool:
    """How one unit's daily score was reached: the office, or that unit's own users."""
    return user.role != Role.unit.value or unit.id == user.unit_id
