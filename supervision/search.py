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

A term many rows have is not gathered at all: see "common terms" below (the lists' pages, `way`, `paginate`).
"""
from __future__ import annotations

import math
from contextvars import ContextVar

from sqlalchemy import DDL, Index, and_, event, func, literal_column, select, table, union_all

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


def _fts_of(column, term: str) -> str | None:
    """The FTS5 table that finds `term` in `column` on this database, or None (PostgreSQL, a column without
    one, a term shorter than a trigram)."""
    col = column.expression
    fts = _FTS_OF.get((getattr(col.table, "name", None), col.key))
    return fts if fts and len(term) >= FTS_MIN and _dialect() == "sqlite" else None


def _fts_rowids(fts: str, term: str):
    phrase = '"' + term.replace('"', '""') + '"'  # one FTS5 phrase: the term as a substring
    return select(literal_column("rowid")).select_from(table(fts)).where(literal_column(fts).op("MATCH")(phrase))


def contains(column, term: str, per_row: bool = False):
    """`column` contains `term`, case-insensitively, % and _ meaning themselves. On SQLite, for a column with a
    trigram index and a term it can find, the rows are taken from the index first (see the module's note) —
    unless `per_row`: the condition is then checked on each row the list's order walks (a common term, see
    `way`), never collecting every row that has it."""
    if caseless(term):
        cond = column.contains(term, autoescape=True)
    else:
        cond = column.icontains(term, autoescape=True)
    fts = None if per_row else _fts_of(column, term)
    if fts:
        cond = and_(column.expression.table.c.id.in_(_fts_rowids(fts, term)), cond)
    return cond


# --- common terms: walk the list's order, count at most CAP + 1 --------------------------------------------
#
# A common term (「执法」: 137,000 of a province's 330,000 problems) made each list count every row that has it
# and gather all their ids before showing fifty (0.6–1.1 s on SQLite, seconds on PostgreSQL). A list searched
# for a term now (1) asks, in one cheap statement, whether the term is common (`way`: at least COMMON
# rows of the searched columns have it, counted from the index and stopped there); (2) if so, checks the term on
# each row as the list's own order walks its rows (the index that serves the unfiltered list) and stops after
# the page — rows with the term come every few rows, so a page costs a few hundred rows; a rare term keeps the
# index path (its few ids first), and a unit name whose units have many rows (「市场监督」: 78 units, 8,500
# problems) walks for the page but gathers for the count (WALK_UNITS); (3) shows the total exactly up to CAP
# and as 「1,000 条以上」 beyond: it counts at most CAP + 1 matching rows (`paginate`), and 下一页 takes the
# reader on (no link to a last page: it is not known). Exports and print views still take every matching row
# (their own statements, streamed) and print the exact total.

CAP = 1000  # a searched list counts its matches up to this; beyond, "more than CAP"
COMMON = 3000  # a term at least this many rows of the searched columns have is walked for, not gathered


WALK, WALK_UNITS, GATHER = "walk", "walk units", "gather"
_counting: ContextVar[bool] = ContextVar("search_counting", default=False)


def way(term: str, name: str, columns, unit_rows) -> str:
    """How list `name` finds `term`: WALK when at least COMMON rows of its text `columns` contain it (each row
    checked as the list's order walks); WALK_UNITS when the text has it rarely but the units whose name has it
    have at least COMMON rows (`unit_rows`: a SELECT of them; 「市场监督」, one bureau of every county) — the
    page walks, each row's unit checked and the text's few rows taken from the index, while the count gathers
    (`paginate`'s count_stmt); else GATHER (the few rows that have it first, any_of)."""
    text, units = _probe(term, name, columns, unit_rows)
    if text >= COMMON:
        return WALK
    if units >= COMMON and not _counting.get():
        return WALK_UNITS
    return GATHER


def _probe(term: str, name: str, columns, unit_rows) -> tuple[int, int]:
    """(rows of `columns` containing `term`, rows of `unit_rows`), each counted up to COMMON: one statement
    whatever the term (asked once a request and list: the page and its count share it). Each column's rows come
    from its index (SQLite's trigram index; PostgreSQL's trigram GIN index when its planner finds that cheaper)
    or its table, one column after the other until COMMON: a common word's problem text spares reading every
    letter's number for it."""
    from flask import g, has_app_context

    from .extensions import db

    cache = g.setdefault("search_probes", {}) if has_app_context() else {}
    if (term, name) in cache:
        return cache[(term, name)]
    found = []
    for column in columns:
        if fts := _fts_of(column, term):  # the index alone, lazily (no LIKE to check for an estimate)
            rows = select(literal_column("1").label("one")).select_from(_fts_rowids(fts, term).subquery())
        else:
            rows = (select(literal_column("1").label("one")).select_from(column.expression.table)
                    .where(contains(column, term, per_row=True)))
        found.append(select(literal_column("one")).select_from(rows.limit(COMMON).subquery()))
    every = union_all(*found).subquery() if len(found) > 1 else found[0].subquery()
    text = select(func.count()).select_from(select(every.c.one).limit(COMMON).subquery()).scalar_subquery()
    units = select(func.count()).select_from(unit_rows.limit(COMMON).subquery()).scalar_subquery()
    cache[(term, name)] = result = tuple(db.session.execute(select(text, units)).one())
    return result


def unindexed(column):
    """`column` + 0: the same value, but no index of the column can serve a condition on it — so the planner
    walks the list's order and checks the condition on each row, rather than gathering every row through the
    column's index and sorting them (SQLite's "MULTI-INDEX OR" did, for WALK_UNITS)."""
    return column + 0


def per_row(exists_select):
    """EXISTS (`exists_select`) checked for each row the list walks. OFFSET 0 keeps PostgreSQL from turning it
    into a "hashed SubPlan" — every row that has the term gathered first (110,000 for 「执法」: 0.3 s) — which
    it does for an EXISTS under OR; it may not rewrite a subquery with an OFFSET."""
    return exists_select.offset(0).exists()


def capped_count(stmt, limit: int) -> int:
    """How many rows `stmt` has, counting at most `limit` (its ORDER BY dropped: any order stops as soon)."""
    from .extensions import db

    sub = stmt.order_by(None).limit(limit).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


class CappedPage:
    """A page of a searched list (the `pager` macro's page, pages, iter_pages…, as db.paginate gives them), its
    total counted up to CAP: `capped` when there are more (shown 「1,000 条以上」, no link to a last page, 下一页
    while there are rows after this page)."""

    def __init__(self, items, page: int, per_page: int, counted: int):
        self.items = items
        self.page = page
        self.per_page = per_page
        self.capped = counted > CAP
        self.total = CAP if self.capped else counted
        self.has_next = counted > page * per_page
        self.has_prev = page > 1
        self.next_num = page + 1 if self.has_next else None
        self.prev_num = page - 1 if self.has_prev else None
        # The pages known to exist: every page when the count is exact; up to the counted rows when capped.
        self.pages = max(1, math.ceil(counted / per_page)) if counted else 1
        if not self.capped:
            self.pages = max(1, math.ceil(self.total / per_page))

    @property
    def rows(self):  # the 整改台账's name for the page's items
        return self.items

    def iter_pages(self, left_edge: int = 2, left_current: int = 2, right_current: int = 4, right_edge: int = 2):
        """Page numbers with None for gaps, like Flask-SQLAlchemy's; when capped, no last pages (not known)."""
        pages = self.pages
        right = 0 if self.capped else right_edge
        last = 0
        for n in range(1, pages + 1):
            if n <= left_edge or self.page - left_current <= n <= self.page + right_current or n > pages - right:
                if last + 1 != n:
                    yield None
                yield n
                last = n
        if self.capped and last < pages:
            yield None


def paginate(stmt, page: int, per_page: int, count_stmt=None):
    """One page of the searched list `stmt` (in its order) and its total counted up to CAP (CappedPage): two
    statements, LIMIT/OFFSET on the ordered, filtered list and a count stopped at CAP + 1 (or, past CAP, at the
    row after this page, so 下一页 knows whether there is one). `count_stmt`: a function building the list's
    statement again, called as the count's — a WALK_UNITS term (`way`) is then gathered."""
    from .extensions import db

    page = max(1, page)
    items = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique().scalars().all()
    counted = capped_count(counting(count_stmt) if count_stmt else stmt, max(CAP, page * per_page) + 1)
    return CappedPage(items, page, per_page, counted)


def counting(build):
    """`build()` as a count's statement: the search hooks it calls gather a WALK_UNITS term (see `way`)."""
    token = _counting.set(True)
    try:
        return build()
    finally:
        _counting.reset(token)


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
