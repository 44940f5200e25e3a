"""Keyword search at province scale: SQLite FTS5 trigram indexes on the searched text columns

Revision ID: 0017_search_speed
Revises: 0013_letter_type_settings
Create Date: 2026-12-01 09:00:00

Issue 15 asks p95 < 100 ms for the lists' keyword search at bench scale 1. On SQLite the LIKE '%term%' of
supervision/search.py read every row of the searched column (330,000 problems: 0.5–3 s a page). Each searched
text column gets an FTS5 trigram index holding the index only (external content: the text stays in its table,
rowid = the row's id), kept by triggers on insert, update and delete, and filled here from the rows already
there ('rebuild'). search.contains looks a term of three characters or more up in it, then checks its LIKE on
the rows found. PostgreSQL keeps the trigram GIN indexes of 0011: nothing is done there.
"""
from alembic import op


revision = '0017_search_speed'
down_revision = '0015_letter_masthead'
branch_labels = None
depends_on = None

# (FTS5 table, table, column): frozen here, as supervision/search.py has them.
COLUMNS = (
    ('problem_fts', 'problem', 'description'),
    ('letter_problem_fts', 'letter_problem', 'text'),
    ('letter_number_fts', 'letter', 'number'),
)


def _statements(fts, table, column):
    delete = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id', "
        f"tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {column} ON {table} BEGIN {delete} {insert} END",
    ]


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for fts, table, column in COLUMNS:
        for statement in _statements(fts, table, column):
            op.execute(statement)
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # the rows already there


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for fts, _table, _column in COLUMNS:
        for suffix in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
