"""The one access policy.

Each domain declares what each role may do in `<domain>/access.py`, once, with `rule()`:

    rule("letters.view_list", roles=STAFF)                        # a role check
    @rule("letters.view", roles=ALL_ROLES)                        # a role check, then a record check
    def _view(user, letter): return user.role != "unit" or letter.unit_id == user.unit_id

Then everything asks the same rule:
- views: `@allows("letters.view_list")` on the route (403 for other roles, login for anonymous) and
  `require("letters.view", letter)` once the record is loaded (404 for a record outside the user's reach,
  403 for a role that may never do it);
- services: `can("letters.issue", letter, user=user)` (services raise their own domain errors, never abort);
- templates: `{% if can("letters.issue", letter) %}`;
- the menu (web.NAV): an entry is shown exactly when its view's rule allows the user.

A core module: it imports no domain package; domains import it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user, login_required

from .roles import ALL_ROLES, STAFF, Role  # noqa: F401  (re-exported for access modules)


@dataclass(frozen=True)
class Rule:
    name: str
    roles: frozenset[str]
    check: Callable | None = None  # (user, obj) -> bool, asked only for a role in `roles` and a given obj

    def allows(self, user, obj=None) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.role not in self.roles:
            return False
        if self.check is None or obj is None:
            return True
        return bool(self.check(user, obj))


RULES: dict[str, Rule] = {}


def _role_values(roles) -> frozenset[str]:
    return frozenset(r.value if isinstance(r, Role) else str(r) for r in roles)


def rule(name: str, roles=ALL_ROLES, check: Callable | None = None):
    """Declare rule `name`: allowed for `roles`, and (when asked about a record) when `check(user, record)` is
    true. A plain call declares it; used as a decorator it takes the decorated function as the check.
    Declaring a name twice is an error (one rule, one place)."""
    if name in RULES:
        raise RuntimeError(f"access rule {name!r} declared twice")
    RULES[name] = Rule(name, _role_values(roles), check)

    def decorator(fn):
        RULES[name] = Rule(name, RULES[name].roles, fn)
        return fn

    return decorator


def get(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"no access rule named {name!r} (declare it in the domain's access.py)") from None


def can(name: str, obj=None, user=None) -> bool:
    """May `user` (default: the logged-in user) do `name` (to `obj`)?"""
    return get(name).allows(current_user if user is None else user, obj)


def require(name: str, obj=None, missing: int = 404) -> None:
    """In a view: abort unless the current user may do `name` to `obj`. A role that may never do it gets 403;
    a record outside the user's reach gets `missing` (404: its existence is not revealed)."""
    r = get(name)
    if not current_user.is_authenticated or current_user.role not in r.roles:
        abort(403)
    if not r.allows(current_user, obj):
        abort(missing)


def allows(name: str):
    """Route decorator: only users whose role rule `name` admits (anonymous users go to the login page)."""
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in get(name).roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.policy = name
        return wrapped

    return decorator


def view_roles(view) -> frozenset[str] | None:
    """The roles the route function `view` admits: its rule's, or (for a route whose credential is not the
    session, like the calendar feed's secret address) the `allowed_roles` it names; None if it states none."""
    name = getattr(view, "policy", None)
    if name is not None:
        return get(name).roles
    return getattr(view, "allowed_roles", None)


def view_allows(view, user) -> bool:
    """Does the route function `view` admit `user`? The menu asks this, so it shows exactly the pages a user
    may open."""
    roles = view_roles(view)
    return roles is None or user.role in roles

