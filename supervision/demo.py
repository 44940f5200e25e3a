"""`flask --app wsgi demo`: demo data for every part, idempotent, and the demo logins printed."""
from .accounts.models import User
from .directory.models import Office, Unit
from .directory.operations import seed_reference_data
from .extensions import db

DEMO_PASSWORD = "demo2021ok"
DEMO_USERS = [
    # username, role, display name, office, unit
    ("admin", "admin", "监督室管理员", None, None),
    ("inspector", "inspector", "张检查", "行政执法协调监督室", None),
    ("inspector2", "inspector", "李检查", "法治调研督察室", None),
    ("inspector3", "inspector", "王检查", "政策法规室", None),
    ("unit", "unit", "瀼河乡联络员", None, "鲁山县瀼河乡人民政府"),
    ("leader", "leader", "局领导", None, None),
]


def load(echo) -> None:
    from .casereview import demo as casereview_demo
    from .filings import demo as filings_demo
    from .assessment import demo as assessment_demo
    from .letters import demo as letters_demo
    from .rectification import demo as rectification_demo
    from .schedule import demo as schedule_demo
    from .visits import demo as visits_demo

    seed_reference_data()
    db.session.commit()
    # The schedule demo brings the 55 units of the 2021 plan into the directory.
    schedule_demo.load(echo)
    db.session.commit()
    _ensure_unit("鲁山县瀼河乡人民政府", "乡镇")
    _users()
    db.session.commit()
    schedule_demo.load(echo)  # assign the demo inspectors now that they exist
    db.session.commit()
    visits_demo.load(echo)
    db.session.commit()
    letters_demo.load(echo)
    db.session.commit()
    rectification_demo.load(echo)
    db.session.commit()
    casereview_demo.load(echo)
    filings_demo.load(echo)
    assessment_demo.load(echo)
    db.session.commit()
    echo("")
    echo("演示账号（密码均为 %s）：" % DEMO_PASSWORD)
    for username, role, name, office, unit in DEMO_USERS:
        extra = office or unit or ""
        echo(f"  {username:<11} {name}{'（' + extra + '）' if extra else ''}")
    echo("打开 http://127.0.0.1:5000 登录。")


def _ensure_unit(name: str, kind: str) -> Unit:
    unit = db.session.query(Unit).filter_by(name=name).first()
    if unit is None:
        unit = Unit(name=name, kind=kind)
        db.session.add(unit)
        db.session.flush()
    return unit


def _users() -> None:
    for username, role, name, office_name, unit_name in DEMO_USERS:
        if db.session.query(User).filter_by(username=username).first():
            continue
        user = User(username=username, role=role, display_name=name)
        if office_name:
            user.office_id = db.session.query(Office).filter_by(name=office_name).one().id
        if unit_name:
            user.unit_id = db.session.query(Unit).filter_by(name=unit_name).one().id
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.flush()
