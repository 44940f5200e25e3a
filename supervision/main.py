"""The dashboard each role lands on after login."""
from flask import Blueprint, render_template
from flask_login import current_user

from .accounts.access import ALL_ROLES, roles_required

bp = Blueprint("main", __name__)


@bp.route("/")
@roles_required(*ALL_ROLES)
def index():
    from .letters import dashboard as letters_dash
    from .rectification import dashboard as rectification_dash
    from .schedule import dashboard as schedule_dash
    from .visits import dashboard as visits_dash

    panels = []
    for part in (schedule_dash, visits_dash, letters_dash, rectification_dash):
        panels.extend(part.panels(current_user))
    return render_template("main/dashboard.html", panels=panels)
