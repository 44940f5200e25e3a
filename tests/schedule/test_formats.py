"""The shipped 2021 table loads the same from every accepted format."""
from datetime import date

import pytest

from supervision.extensions import db
from supervision.schedule import operations, queries
from supervision.schedule.importers import parse_month, parse_week
from tests.schedule import builders

BLOCKS = builders.blocks_2021()
FORMATS = {
    "xlsx_merged": ("计划表.xlsx", lambda: builders.xlsx_merged(BLOCKS)),
    "xlsx_rows": ("计划表-逐行.xlsx", lambda: builders.xlsx_rows(BLOCKS)),
    "csv_utf8": ("计划表.csv", lambda: builders.csv_bytes(BLOCKS, "utf-8")),
    "csv_utf8_bom": ("计划表.csv", lambda: builders.csv_bytes(BLOCKS, "utf-8-sig")),
    "csv_gb18030": ("计划表.csv", lambda: builders.csv_bytes(BLOCKS, "gb18030")),
    "docx_annex": ("附件一.docx", lambda: builders.docx_annex(BLOCKS)),
}


def _load(filename, data):
    preview = queries.import_plan(filename, data, 2021)
    assert preview.valid, [str(p) for p in preview.problems]
    operations.commit_import(preview, {"units": {u.name: "create" for u in preview.unknown}})
    db.session.commit()
    return preview, queries.slots_for_year(2021)


@pytest.mark.parametrize("fmt", FORMATS)
def test_2021_table_loads_from_each_format(ctx, fmt):
    filename, build = FORMATS[fmt]
    preview, slots = _load(filename, build())
    assert preview.counts() == {"slots": 37, "units": 55, "乡镇": 20, "县直": 35}
    units = [u for s in slots for u in s.units]
    assert len(units) == len({u.id for u in units}) == 55
    assert sum(u.kind == "乡镇" for u in units) == 20
    assert sum(u.kind == "县直" for u in units) == 35
    by_key = {(s.month, s.week): s for s in slots}
    first = by_key[(3, 1)]
    assert (first.start_date, first.end_date) == (date(2021, 3, 1), date(2021, 3, 5))
    assert [u.name for u in first.units] == ["鲁山县张良镇人民政府"]
    assert [u.name for u in by_key[(12, 3)].units] == ["鲁山县瀼河乡人民政府", "鲁山县熊背乡人民政府"]
    assert (5, 1) not in by_key and (10, 1) not in by_key
    # Exactly the annex, week by week and in order.
    assert [(s.month, s.week, [u.name for u in s.units]) for s in slots] == \
        [(parse_month(m), parse_week(w), units) for m, w, units in builders.flat(BLOCKS)]


def test_csv_encodings_are_detected(ctx):
    for encoding, label in (("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8"), ("gb18030", "GB18030/GBK"), ("gbk", "GB18030/GBK")):
        preview = queries.import_plan("x.csv", builders.csv_bytes(BLOCKS, encoding), 2021)
        assert preview.valid
        assert preview.plan.encoding == label
        assert preview.counts()["units"] == 55


def test_month_and_week_spellings(ctx):
    text = "月份,周次,受监督单位\n三月,第一周,甲单位\n3月,第2周,乙单位\n3,3,丙单位\n四月,1,丁单位\n".encode()
    preview = queries.import_plan("x.csv", text, 2021)
    assert preview.valid, [str(p) for p in preview.problems]
    assert [s.key for s in preview.slots] == [(3, 1), (3, 2), (3, 3), (4, 1)]


def test_several_units_per_cell_with_every_separator(ctx):
    text = "月份,周次,受监督单位\n三月,第一周,\"甲、乙，丙,丁;戊；己\n庚\"\n".encode()
    preview = queries.import_plan("x.csv", text, 2021)
    assert preview.slots[0].names == ["甲", "乙", "丙", "丁", "戊", "己", "庚"]


def test_week_dates_rule():
    assert queries.week_dates(2021, 3, 1) == (date(2021, 3, 1), date(2021, 3, 5))
    # 2021-05-01 is a Saturday: the first Monday of May is 5月3日.
    assert queries.week_dates(2021, 5, 1) == (date(2021, 5, 3), date(2021, 5, 7))
    assert queries.week_dates(2021, 3, 5) == (date(2021, 3, 29), date(2021, 4, 2))
    with pytest.raises(queries.ScheduleError, match="只有4个星期一"):
        queries.week_dates(2021, 2, 5)
