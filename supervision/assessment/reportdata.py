"""The year's 考核 results as plain data: what the outputs (通报 DOCX, 反馈单, 汇总表, leader charts) are made from.

The scoring side (models, operations, queries) fills these from the database; the output side (bulletin, feedback,
summary workbook, charts) reads only these. Neither imports the other's internals, so each can be tested alone.
Points are Decimal rounded to 2 places as shown (89.74); shares are Decimal percentages (71.43).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class IndicatorLine:
    """One 三级指标 as scored for one unit."""
    code: str                    # 序号 as in the scheme, e.g. "1.2.3"
    path: str                    # 一级指标 / 二级指标 / 三级指标 names joined by " / "
    component: str               # "依法行政工作资料评判" or "日常工作情况评价" (the label, as shown)
    points: Decimal              # 分值 in the scheme
    rating: str                  # "优" / "良" / "中" / "差" / "不适用" / "" (computed or entered indicators: "")
    earned: Decimal | None       # None when not applicable (不适用: scaled by 加权计算法)
    reason: str = ""             # the reviewer's reason, or how a computed indicator was reached


@dataclass
class Adjustment:
    """A 加减分 entry."""
    points: Decimal              # +0.5, -1 …
    reason: str
    bars_excellent: bool = False  # 「不得评为优秀」


@dataclass
class UnitResult:
    unit_id: int
    unit_name: str
    category: str                # "乡镇（街道）" / "县直部门" (the label, as shown)
    materials: Decimal           # 依法行政工作资料评判, after 加权计算法, in points of the 100
    daily: Decimal               # 日常工作情况评价, in points of the 100
    internal: Decimal            # materials + daily (0–100)
    bonus: Decimal               # capped sum of positive adjustments
    penalty: Decimal             # capped sum of negative adjustments, as a positive number
    total: Decimal               # internal + bonus − penalty
    grade: str                   # "优秀" / "良好" / "合格" / "不合格" … (the label, as shown)
    rank: int                    # 1-based within the category
    barred_excellent: bool = False
    lines: list[IndicatorLine] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)


@dataclass
class CategoryScheme:
    """One category's view of the scheme: seed 000's 「三级指标为 105 项……占比 71.43%、……28.57%」."""
    category: str
    indicator_count: int
    materials_count: int
    daily_count: int
    materials_points: Decimal
    daily_points: Decimal
    materials_share: Decimal     # percent, 2 places
    daily_share: Decimal


@dataclass
class SchemeSummary:
    year: int
    title: str                   # e.g. "2026年度依法行政考核实施方案"
    categories: list[CategoryScheme]
    rating_percents: dict[str, int]       # {"优": 100, "良": 80, "中": 60, "差": 0}
    bonus_per_case: tuple[Decimal, Decimal]  # (0.25, 1)
    bonus_cap: Decimal                    # 5
    penalty_per_case: Decimal             # 1
    penalty_cap: Decimal                  # 10


@dataclass
class CommonProblem:
    """A check item and how often the year's findings named it (for 四、存在的主要问题)."""
    item: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class YearResults:
    year: int
    scheme: SchemeSummary
    units: list[UnitResult]               # every assessed unit, any order
    common_problems: list[CommonProblem]  # most frequent first
    previous: YearResults | None = None   # last year's results, for 同比 analysis (its own .previous is None)
    texts: dict[str, str] = field(default_factory=dict)  # editable parts: "work", "problems", "requirements"
    confirmed_on: date | None = None      # 审定 date; None while a draft
    status: str = ""                      # the year's step as shown: 汇总 / 反馈 / 复核 / 审定
