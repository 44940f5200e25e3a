"""整改台账's print view and 整改统计 as .xlsx: the ledger's own filter object (LedgerFilter, the rows of
ledger.export_rows — what the ledger's .xlsx has) and the statistics the page shows (dashboard.statistics)."""
from __future__ import annotations

from sqlalchemy import select

from .. import outputs
from ..directory.models import Unit
from ..extensions import db
from ..spreadsheet import Column, Sheet, write_sheets
from ..visits.models import CheckItem
from . import ledger as ledger_mod
from .queries import LetterState

# The ledger's columns that fit across A4 landscape (the .xlsx has all of ledger.COLUMNS).
PRINT_HEADERS = ["序号", "受监督单位", "文号", "签发日期", "签收日期", "整改期限", "问题序号", "问题", "检查项目",
                 "问题状态", "办理状态", "逾期天数", "审核结果", "办结日期"]
_INDEX = {h: i for i, (h, _k, _w) in enumerate(ledger_mod.COLUMNS)}
PRINT_COLUMNS = [Column(h, ledger_mod.COLUMNS[_INDEX[h]][1], ledger_mod.COLUMNS[_INDEX[h]][2])
                 for h in PRINT_HEADERS]


def describe_ledger(flt: ledger_mod.LedgerFilter) -> str:
    """The filter in words: 「2026年 · 逾期 · 单位：…」."""
    item = (db.session.scalars(select(CheckItem.name).where(CheckItem.key == flt.item_key)).first()
            if flt.item_key else "")
    unit = db.session.scalar(select(Unit.name).where(Unit.id == flt.unit_id)) if flt.unit_id else ""
    return outputs.describe([f"{flt.year}年" if flt.year else "",
                             dict(ledger_mod.STATUS_CHOICES).get(flt.status, "") if flt.status else "",
                             f"检查项目：{item}" if item else "", f"单位：{unit}" if unit else ""])


def ledger_print(flt: ledger_mod.LedgerFilter) -> str:
    pick = [_INDEX[h] for h in PRINT_HEADERS]
    rows = ([r[i] for i in pick] for r in ledger_mod.export_rows(flt))
    return outputs.print_page("行政执法监督意见书整改台账", describe_ledger(flt), PRINT_COLUMNS, rows,
                              total=ledger_mod.ledger_page(flt, per_page=1, exact=True).total)


def stats_sheets(data: dict) -> list[Sheet]:
    """整改统计 of one year as the page shows it, a sheet for each of its tables."""
    year, c = data["year"], data["counts"]
    n = Column("数量", "int", 10)
    summary = [("未办结", c["open"]), ("逾期", c["overdue"]), ("已办结", c["closed"]), ("意见书总数", c["total"]),
               *((s.label, c[s.value]) for s in LetterState)]
    overdue = [[row["unit"].name, "、".join(f"{x.number}（{st.label}，逾期{st.overdue_days}日）"
                                           for x, st in row["letters"]), row["max_days"]]
               for row in data["overdue_by_unit"]]
    months = [[f"{m}月", v["issued"], v["closed"]] for m, v in data["months"].items()]
    years = [[f"{y.year}年", y.issued, y.closed, y.avg_days_to_close, y.on_time_rate] for y in data["years"]]
    items = [[r["name"], r["total"], r["accepted"]] for r in data["by_item"]]
    return [
        Sheet("概况", f"{year}年签发的意见书 整改统计", [Column("项目", "text", 20), n], summary),
        Sheet("逾期未办结", f"{year}年签发、逾期未办结（按单位）",
              [Column("单位", "text", 30), Column("逾期意见书", "wrap", 60), Column("最长逾期（日）", "int", 14)],
              overdue),
        Sheet("每月签发与办结", f"{year}年每月签发与办结",
              [Column("月份", "text", 8), Column("签发", "int", 8), Column("办结", "int", 8)], months),
        Sheet("各年度办理情况", "各年度办理情况",
              [Column("年度", "text", 10), Column("签发", "int", 8), Column("办结", "int", 8),
               Column("平均办结天数", "int", 14), Column("按期报送率（%）", "int", 16)], years),
        Sheet("检查项目", f"{year}年意见书问题（按检查项目）",
              [Column("检查项目", "text", 28), Column("问题数", "int", 8), Column("已通过", "int", 8)], items),
    ]


def stats_xlsx(data: dict):
    return outputs.xlsx_response(lambda out: write_sheets(out, stats_sheets(data)), f"{data['year']}年整改统计")
