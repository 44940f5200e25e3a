"""The lists' keyword search (检查记录, 问题清单, 意见书, 发文登记, 整改台账): one box, matched in SQL.

A term is matched as a substring (LIKE '%term%'), % and _ in it taken literally (autoescape), without regard to
case (ILIKE on PostgreSQL, where the trigram GIN indexes of migration 0011 serve it on the large text columns;
lower() LIKE lower() on SQLite, a scan). A unit's name is matched on the small unit table first and the list's
rows are then sought by unit id (unit_id IN (…)), never by joining every row to its unit.
"""
from __future__ import annotations

from sqlalchemy import DDL, Index, event, select

MAX_LENGTH = 50


def trigram_index(name: str, column: str) -> Index:
    """A PostgreSQL trigram GIN index on a text column, for the lists' LIKE '%term%' (none on SQLite: created
    only on PostgreSQL; migration 0011 does the same)."""
    return Index(name, column, postgresql_using="gin",
                 postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")


def need_trigrams(metadata) -> None:
    """create_all (tests, bench) makes the pg_trgm extension before the indexes that use it."""
    if not getattr(metadata, "_pg_trgm_hooked", False):
        event.listen(metadata, "before_create",
                     DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
        metadata._pg_trgm_hooked = True


def clean(raw: str | None) -> str:
    """The term as typed, trimmed and capped (a search box, not a document)."""
    return " ".join((raw or "").split())[:MAX_LENGTH]


def contains(column, term: str):
    """`column` contains `term`, case-insensitively, % and _ meaning themselves."""
    return column.icontains(term, autoescape=True)


def any_of(column, *selects):
    """`column` IN (the union of `selects`, each of one column): the way to say "this OR that" when the two
    conditions sit on different tables (a unit's name, a problem's text). Written as OR, PostgreSQL can use
    neither side's index and reads every row (300 ms for 33,000 problems); as one id set, each part is sought
    by its own index (the trigram index, the unit id) and the list joins to the few ids found."""
    from sqlalchemy import union

    return column.in_(union(*selects))


def label(term: str) -> str:
    """How the filter description shows the term."""
    return f"关键词：{term}" if term else ""
