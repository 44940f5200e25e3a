"""The dashboard each role lands on after login."""
from flask import Blueprint, render_template
from flask_login import current_user

from . import main_access as _access  # noqa: F401  (declares the rules these pages name)
from .policy import allows
from .roles import Role

bp = Blueprint("main", __name__)


@bp.route("/")
@allows("main.dashboard")
def index():
    from .letters import dashboard as letters_dash
    from .rectification import dashboard as rectification_dash
    from .schedule import dashboard as schedule_dash
    from .visits import dashboard as visits_dash

    panels = []
    for part in (schedule_dash, visits_dash, letters_dash, rectification_dash):
        panels.extend(part.panels(current_user))
    return render_template("main/dashboard.html", panels=panels, heading=heading(current_user))


WORKBENCH = {Role.admin.value: "监督室工作台", Role.inspector.value: "检查组工作台", Role.leader.value: "领导查阅"}


def heading(user) -> str:
    """The dashboard's title: whose workbench it is (a unit's bears the unit's name)."""
    if user.role == Role.unit.value:
        return f"{user.unit.name if user.unit else ''} · 单位工作台"
    return WORKBENCH.get(user.role, "领导查阅")
