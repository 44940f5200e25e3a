"""The admin's 系统状态 page: whether the parts that run beside the website (the reminder scheduler) are running,
and, in plain words, what the system administrator does when they are not. Operational instructions (commands)
belong here only, never on the pages the office works with."""
from flask import Blueprint, render_template

from . import main_access as _access  # noqa: F401  (declares the rule this page names)
from .extensions import db
from .policy import allows
from .reminders.queries import scheduler_state

bp = Blueprint("system", __name__, url_prefix="/system")

SCHEDULER_COMMAND = "flask --app wsgi scheduler"


def _database_kind() -> str:
    name = db.engine.dialect.name
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite（单机文件数据库）"}.get(name, "其他数据库")


@bp.route("/status")
@allows("system.view_status")
def status():
    return render_template("system/status.html", scheduler=scheduler_state(), command=SCHEDULER_COMMAND,
                           database=_database_kind())
