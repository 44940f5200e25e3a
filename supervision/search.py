"""The lists' keyword search (检查记录, 问题清单, 意见书, 发文登记, 整改台账): one box, matched in SQL.

A term is matched as a substring (LIKE '%term%'), % and _ in it taken literally (autoescape), without regard to
case (ILIKE on PostgreSQL, where the trigram GIN indexes of migration 0011 serve it on the large text columns;
lower() LIKE lower() on SQLite) — a plain LIKE for a term with no letter case (caseless: Chinese, digits), the
same rows without lowering every row's text. A unit's name is matched on the small unit table first and the list's
rows are then sought by unit id (unit_id IN (…)), never by joining every row to its unit.

On SQLite the large text columns (a problem's text, a letter's problem wording, a letter's number) have an FTS5
trigram index each (FTS_COLUMNS; migration 0017, or create_all through fts_index): the index only, the text stays
in its table ("external content"), kept by triggers on insert, update and delete. A term of three characters or
more is looked up there first (a phrase query: the rows containing it as a substring) and the LIKE above is then
checked on just those rows, so what is found is exactly what the LIKE alone finds; the LIKE alone read all
330,000 problems of a province (0.5–1 s). A shorter term has no trigram to look up: it is read from the table.
"""
from __future__ import annotations

from sqlalchemy import DDL, Index, and_, event, literal_column, select, table

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


# (FTS5 table, table, column): the columns with a trigram index on SQLite. Migration 0017 has its own copy.
FTS_COLUMNS = (
    ("problem_fts", "problem", "description"),
    ("letter_problem_fts", "letter_problem", "text"),
    ("letter_number_fts", "letter", "number"),
)
_FTS_OF = {(t, c): fts for fts, t, c in FTS_COLUMNS}
FTS_MIN = 3  # a trigram index finds terms of at least three characters


def fts_statements(fts: str, tbl: str, column: str) -> list[str]:
    """The FTS5 trigram index of `tbl`.`column` (external content, rowid = the row's id) and the triggers that
    keep it: a row's old text is taken out of the index and its new text put in, in the same statement."""
    delete = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{tbl}', content_rowid='id', "
        f"tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {tbl} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {tbl} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {column} ON {tbl} BEGIN {delete} {insert} END",
    ]


def fts_index(tbl, column: str) -> None:
    """create_all (tests, bench) builds the SQLite trigram index of `tbl`.`column` with the table, and drop_all
    drops it first (the triggers go with the table)."""
    fts = _FTS_OF[(tbl.name, column)]
    for statement in fts_statements(fts, tbl.name, column):
        event.listen(tbl, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    event.listen(tbl, "before_drop", DDL(f"DROP TABLE IF EXISTS {fts}").execute_if(dialect="sqlite"))


def _dialect() -> str:
    from .extensions import db

    return db.session.get_bind().dialect.name


def caseless(term: str) -> bool:
    """Whether no character of `term` has an upper or lower case (Chinese, digits, punctuation): then "contains,
    case-insensitively" is "contains", and the plain LIKE says it without lowering every row's text (SQLite's
    lower() LIKE lower() read the 330,000 problems three times slower; PostgreSQL's ILIKE lowers each row)."""
    return all(ch.lower() == ch == ch.upper() for ch in term)


def contains(column, term: str):
    """`column` contains `term`, case-insensitively, % and _ meaning themselves. On SQLite, for a column with a
    trigram index and a term it can find, the rows are taken from the index first (see the module's note)."""
    if caseless(term):
        cond = column.contains(term, autoescape=True)
    else:
        cond = column.icontains(term, autoescape=True)
    col = column.expression
    fts = _FTS_OF.get((getattr(col.table, "name", None), col.key))
    if fts and len(term) >= FTS_MIN and _dialect() == "sqlite":
        phrase = '"' + term.replace('"', '""') + '"'  # one FTS5 phrase: the term as a substring
        found = (select(literal_column("rowid")).select_from(table(fts))
                 .where(literal_column(fts).op("MATCH")(phrase)))
        cond = and_(col.table.c.id.in_(found), cond)
    return cond


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
