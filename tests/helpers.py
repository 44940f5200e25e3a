"""Small factories and a login helper that posts the real login form."""
import itertools
from contextlib import contextmanager
from types import SimpleNamespace

from supervision.accounts.models import Role, User
from supervision.directory.models import Office, Unit
from supervision.extensions import db

PASSWORD = "Passw0rd2021"
_seq = itertools.count(1)


def make_unit(name: str | None = None, kind: str = "县直", **kw) -> Unit:
    unit = Unit(name=name or f"鲁山县测试局{next(_seq)}", kind=kind, **kw)
    db.session.add(unit)
    db.session.commit()
    return unit


def office(name: str = "行政执法协调监督室") -> Office:
    return db.session.query(Office).filter_by(name=name).one()


def make_user(role: str | Role = Role.admin, username: str | None = None, password: str = PASSWORD,
              unit: Unit | None = None, office_obj: Office | None = None, **kw) -> User:
    role = role.value if isinstance(role, Role) else role
    if role == "unit" and unit is None:
        unit = make_unit()
    if role == "inspector" and office_obj is None:
        office_obj = office()
    user = User(username=username or f"{role}{next(_seq)}", role=role, unit_id=unit.id if unit else None,
                office_id=office_obj.id if office_obj else None, **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def login(client, username: str, password: str = PASSWORD, follow_redirects: bool = False):
    return client.post("/login", data={"username": username, "password": password},
                       follow_redirects=follow_redirects)


def login_as(client, role: str | Role = Role.admin, **kw) -> SimpleNamespace:
    """Create a user of this role and log the client in through the real form.

    Returns a plain record (id, username, role, unit_id, office_id) usable outside the app context.
    """
    with client.application.app_context():
        user = make_user(role, **kw)
        info = SimpleNamespace(id=user.id, username=user.username, role=user.role, unit_id=user.unit_id,
                               office_id=user.office_id, is_authenticated=True)
    resp = login(client, info.username, kw.get("password", PASSWORD))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return info


@contextmanager
def sql_statements(app):
    """The SQL statements (statement, parameters) the app sends to its database while the block runs."""
    from sqlalchemy import event

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
