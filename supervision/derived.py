"""Stored derived values: every stored copy of a fact the database could work out again, declared once.

A stored derived value (the open letters' states, a problem's "in a letter" flag, a letter's problem count …)
makes a question cheap at the price of a promise: whoever changes the facts it derives from must store it again.
Each one is registered here by the domain that owns it (the domain imports this module; this module imports no
domain) with:

- `facts`: the tables it derives from — a bulk UPDATE/DELETE through the ORM on one of them raises
  `UnguardedBulkWrite` unless it runs inside `bulk_write(name)`, which stores the value again afterwards
  (row-by-row changes go through the domain's flush hook, which sees them; a bulk statement bypasses it);
- `compute(keys, conn)`: the one function that computes it;
- `store(keys, conn)`: the one writer that stores it (for the records `keys`, from compute);
- `check(conn)`: where the stored copy and compute disagree, in Chinese, naming the record (empty: they agree);
- `rebuild(conn)`: store it again for every record.

`check_all()` runs every check (the tests after every test, the nightly job, `flask --app wsgi derived check`);
`rebuild_all()` repairs everything (`flask --app wsgi derived check --rebuild`, the benchmark's bulk load).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session


class UnguardedBulkWrite(RuntimeError):
    """A bulk UPDATE/DELETE on a fact table outside bulk_write: it would leave a stored derived value stale."""


@dataclass(frozen=True)
class Derived:
    name: str                      # "standing", "problem.in_letter", …
    label: str                     # what it is, in Chinese (messages name it)
    key: str                       # what its records are keyed by: "letter" or "problem" (ids)
    facts: tuple[str, ...]         # the tables it derives from
    compute: Callable              # (keys, conn) -> the values as the facts say
    store: Callable                # (keys, conn) -> None: the one writer
    check: Callable                # (conn) -> list[str]
    rebuild: Callable              # (conn) -> anything (a count to report, or None)
    repair_hint: str = ""          # how a person repairs it, in plain words (defaults to the derived check's)


_REGISTRY: dict[str, Derived] = {}
_allowed: ContextVar[frozenset] = ContextVar("derived_bulk_allowed", default=frozenset())


def _table_name(fact) -> str:
    if isinstance(fact, str):
        return fact
    table = getattr(fact, "__table__", fact)
    return table.name


def register(name: str, *, label: str, key: str, facts: Iterable, compute: Callable, store: Callable,
             check: Callable, rebuild: Callable, repair_hint: str = "") -> Derived:
    """Declare a stored derived value (once; registering the same name again replaces it — a module reload)."""
    value = Derived(name=name, label=label, key=key, facts=tuple(sorted({_table_name(f) for f in facts})),
                    compute=compute, store=store, check=check, rebuild=rebuild, repair_hint=repair_hint)
    _REGISTRY[name] = value
    return value


def registered() -> dict[str, Derived]:
    """The registered values by name, in the order they were registered."""
    return dict(_REGISTRY)


def get(name: str) -> Derived:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"没有登记名为 {name} 的存储派生值（已登记：{', '.join(_REGISTRY) or '无'}）") from None


def readers_of(table) -> list[Derived]:
    """The values that derive from `table` (a Table, model or name)."""
    name = _table_name(table)
    return [v for v in _REGISTRY.values() if name in v.facts]


def _connection(conn):
    if conn is not None:
        return conn
    from .extensions import db

    return db.session.connection()


def check_all(conn=None) -> dict[str, list[str]]:
    """Every registered value's differences by name (an empty list where stored and computed agree)."""
    conn = _connection(conn)
    return {name: list(v.check(conn)) for name, v in _REGISTRY.items()}


def rebuild_all(conn=None) -> dict[str, object]:
    """Store every registered value again from its facts; what each rebuild returned, by name."""
    conn = _connection(conn)
    return {name: v.rebuild(conn) for name, v in _REGISTRY.items()}


def describe(differences: dict[str, list[str]], limit: int = 50) -> list[str]:
    """The differences of check_all in words, each line naming the value (at most `limit` lines per value)."""
    out = []
    for name, lines in differences.items():
        if not lines:
            continue
        label = _REGISTRY[name].label if name in _REGISTRY else name
        out.append(f"{label}：{len(lines)} 处与事实不符")
        out += [f"  {line}" for line in lines[:limit]]
        if len(lines) > limit:
            out.append(f"  ……另有 {len(lines) - limit} 处")
    return out


REPAIR_HINT = ("修复方法：由系统管理员在服务器上运行“重新生成存储的派生数据”命令"
               "（flask --app wsgi derived check --rebuild），它按事实重新计算并保存这些数据，不改动任何事实记录；"
               "之后再运行一次检查（flask --app wsgi derived check）确认一致。")


@contextmanager
def bulk_write(*names: str, keys: Iterable[int] | None = None, session=None):
    """Allow bulk UPDATE/DELETE statements on the fact tables of the values `names` inside, then store those
    values again: for the records `keys` (ids of what the values are keyed by) when given, else all of them
    (rebuild). `keys=()` declares that the statements change no fact the values read (a version counter):
    nothing is stored again."""
    values = [get(n) for n in names]
    if keys is not None and len({v.key for v in values}) > 1:
        raise ValueError("bulk_write with keys: the values must be keyed alike — use one bulk_write per key")
    token = _allowed.set(_allowed.get() | frozenset(names))
    try:
        yield
    finally:
        _allowed.reset(token)
    if session is None:
        from .extensions import db

        session = db.session
    conn = session.connection()
    ids = None if keys is None else sorted({int(k) for k in keys if k is not None})
    for v in values:
        if ids is None:
            v.rebuild(conn)
        elif ids:
            v.store(ids, conn)


@event.listens_for(Session, "do_orm_execute")
def _guard_bulk_writes(state) -> None:
    """Refuse a bulk UPDATE/DELETE through a session on a table some value derives from, outside bulk_write."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None:
        return
    missing = [v for v in readers_of(name) if v.name not in _allowed.get()]
    if missing:
        kind = "UPDATE" if state.is_update else "DELETE"
        names = ", ".join(repr(v.name) for v in missing)
        raise UnguardedBulkWrite(
            f"对表 {name} 的批量 {kind} 会使存储的派生值失真："
            f"{'、'.join(v.label for v in missing)}。请把它放在 derived.bulk_write({names}, keys=…) 中执行"
            f"（结束时按事实重新保存这些值）。")
