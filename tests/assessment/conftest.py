"""A small 考核 year: three 三级指标 per category (two 资料, one 日常), two 乡镇 and two 县直 units."""
import io
from types import SimpleNamespace

import pytest
from openpyxl import Workbook

HEADER = ["序号", "指标", "分值", "评分标准", "适用对象", "所属部分", "评分方式"]
ROWS = [
    ["1", "依法全面履行政府职能"],
    ["1.1", "权责清单"],
    ["1.1.1", "公布权责清单", 40, "按时公布得满分", "全部", "依法行政工作资料评判", "评审评定"],
    ["1.1.2", "乡镇综合执法", 40, "建立综合执法队伍", "乡镇（街道）", "依法行政工作资料评判", "评审评定"],
    ["1.1.3", "部门执法公示", 40, "执法公示完整", "县直部门", "依法行政工作资料评判", "评审评定"],
    ["2", "日常工作"],
    ["2.1", "日常监督"],
    ["2.1.1", "日常工作情况", 20, "按日常评价规则计算", "全部", "日常工作情况评价", "系统计算"],
]


def scheme_bytes(rows=None, title="2026年度依法行政考核细则（总分100分）") -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(HEADER)
    for r in rows if rows is not None else ROWS:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def small_year(ctx, admin):
    """Year 2026 with the scheme above imported and scoring started."""
    from supervision.assessment import operations as ops
    from supervision.assessment import scheme_xlsx
    from supervision.extensions import db
    from tests.helpers import make_unit

    t1, t2 = make_unit("张良镇", kind="乡镇"), make_unit("梁洼乡", kind="乡镇")
    c1, c2 = make_unit("鲁山县教育局", kind="县直"), make_unit("鲁山县公安局", kind="县直")
    y = ops.ensure_year(2026, admin)
    rows, stated = scheme_xlsx.parse(scheme_bytes())
    ops.replace_scheme(y, rows, admin, stated_total=stated)
    ops.start_scoring(y, admin)
    db.session.commit()
    ind = {i.code: i for i in y.indicators}
    return SimpleNamespace(y=y, ind=ind, t1=t1, t2=t2, c1=c1, c2=c2, admin=admin)
