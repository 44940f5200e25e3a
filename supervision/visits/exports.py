"""检查记录, 问题清单 and 检查统计 as .xlsx and as print views: the rows of the page's own filter object
(VisitFilter, ProblemFilter) through the page's own query (visits_select, visible_problems), every row."""
from __future__ import annotations

from sqlalchemy import func, select

from .. import outputs
from ..directory.models import Unit
from ..extensions import db
from ..spreadsheet import Column, Sheet, write_sheets, write_table
from . import queries
from .models import CheckItem, Disposition, ProblemState, Rating, VisitKind, VisitStatus

BLOCK = 500

VISIT_COLUMNS = [Column("检查日期", "date", 12), Column("受监督单位", "text", 30), Column("类型", "text", 10),
                 Column("检查人员", "text", 20), Column("问题", "int", 6), Column("需下达意见书", "int", 10),
                 Column("状态", "text", 8)]
PROBLEM_COLUMNS = [Column("检查日期", "date", 12), Column("单位", "text", 28), Column("检查项目", "text", 18),
                   Column("子项", "text", 18), Column("问题", "wrap", 50), Column("案卷", "text", 20),
                   Column("处理方式", "text", 12), Column("状态", "text", 12)]


def _unit_name(unit_id) -> str:
    return db.session.scalar(select(Unit.name).where(Unit.id == unit_id)) or "" if unit_id else ""


def describe_visits(flt: queries.VisitFilter) -> str:
    """The filter in words: 「2026年 · 集中检查 · 已提交 · 单位：…」."""
    kinds = {k.value: k.label for k in VisitKind}
    statuses = {s.value: s.label for s in VisitStatus}
    return outputs.describe([f"{flt.year}年" if flt.year else "", kinds.get(flt.kind, ""),
                             statuses.get(flt.status, ""),
                             f"单位：{_unit_name(flt.unit_id)}" if flt.unit_id else "",
                             f"关键词：{flt.q}" if flt.q else ""])


def describe_problems(flt: queries.ProblemFilter) -> str:
    item = (db.session.scalars(select(CheckItem.name).where(CheckItem.key == flt.item_key)).first()
            if flt.item_key else "")
    return outputs.describe([f"{flt.year}年" if flt.year else "", f"检查项目：{item}" if item else "",
                             Disposition.label_of(flt.disposition) if flt.disposition else "",
                             ProblemState.label_of(flt.status) if flt.status else "",
                             f"单位：{_unit_name(flt.unit_id)}" if flt.unit_id else "",
                             f"关键词：{flt.q}" if flt.q else ""])


def visit_rows(user, flt: queries.VisitFilter):
    """Every row of the 检查记录 page for `flt`, in its order, as the values of VISIT_COLUMNS (a block of
    visits at a time: their units, inspectors and problem counts in a fixed number of statements)."""
    result = db.session.scalars(queries.visits_select(user, flt).execution_options(yield_per=BLOCK))
    for block in result.partitions():
        counts = queries.problem_counts(v.id for v in block)
        for v in block:
            n, letter = counts.get(v.id, (0, 0))
            yield [v.visit_date, v.unit.name, v.kind_label, "、".join(u.name for u in v.inspectors), n, letter,
                   v.status_label]


def problem_rows(user, flt: queries.ProblemFilter):
    """Every row of the 问题清单 page for `flt`, in its order, as the values of PROBLEM_COLUMNS."""
    result = db.session.scalars(queries.visible_problems(user, flt).execution_options(yield_per=BLOCK))
    for block in result.partitions():
        for p in block:
            yield [p.visit.visit_date, p.visit.unit.name, p.item.name, p.subpoint.name if p.subpoint else "",
                   p.description, p.case_file or "", p.disposition_label, queries.problem_state(p).label]


def visits_output(user, flt: queries.VisitFilter, fmt: str):
    description = describe_visits(flt)
    if fmt == outputs.XLSX:
        return outputs.xlsx_response(
            lambda out: write_table(out, "检查记录", VISIT_COLUMNS, visit_rows(user, flt),
                                    title=f"监督检查记录（{description}）", freeze="C3",
                                    footer=lambda n: f"共 {n} 条。"),
            f"{flt.year or ''}{'年' if flt.year else ''}监督检查记录")
    return outputs.print_page("监督检查记录", description, VISIT_COLUMNS, visit_rows(user, flt),
                              total=db.session.scalar(select(func.count()).select_from(
                                  queries.visits_select(user, flt).order_by(None).subquery())))


def problems_output(user, flt: queries.ProblemFilter, fmt: str):
    description = describe_problems(flt)
    if fmt == outputs.XLSX:
        return outputs.xlsx_response(
            lambda out: write_table(out, "问题清单", PROBLEM_COLUMNS, problem_rows(user, flt),
                                    title=f"问题清单（{description}）", freeze="C3", footer=lambda n: f"共 {n} 条。"),
            f"{flt.year or ''}{'年' if flt.year else ''}问题清单")
    return outputs.print_page("问题清单", description, PROBLEM_COLUMNS, problem_rows(user, flt),
                              total=queries.count_visible_problems(user, flt))


def stats_sheets(data: dict) -> list[Sheet]:
    """检查统计 of one year as the page shows it: the summary, and the table by check item with its total."""
    year = data["year"]
    summary = [("已提交检查记录（份）", data["visits"]), ("涉及单位（家）", data["units"]),
               ("发现问题（个）", data["problems"]), ("其中立行立改", data["fixed"]), ("其中需下达意见书", data["letter"]),
               *((f"{k}（份）", n) for k, n in data["by_kind"].items())]
    ratings = list(Rating)
    columns = [Column("检查项目", "text", 28), Column("问题数", "int", 8), Column("立行立改", "int", 9),
               Column("需下达意见书", "int", 12), *(Column(r.label, "int", 8) for r in ratings)]
    rows = [[s.name, s.problems, s.fixed, s.letter, *(s.ratings[r.value] for r in ratings)] for s in data["items"]]
    rows.append(["合计", data["problems"], data["fixed"], data["letter"],
                 *(sum(s.ratings[r.value] for s in data["items"]) for r in ratings)])
    return [Sheet("概况", f"{year}年 监督检查统计", [Column("项目", "text", 24), Column("数量", "int", 10)], summary),
            Sheet("各检查项目", f"{year}年 各检查项目发现的问题与评定等次", columns, rows)]


def stats_xlsx(data: dict):
    return outputs.xlsx_response(lambda out: write_sheets(out, stats_sheets(data)), f"{data['year']}年检查统计")
