"""考核结果汇总表 read back with openpyxl: a sheet per category, ranked, numbers as numbers, formulas as text."""
import io
from decimal import Decimal

import openpyxl

from supervision.assessment.summary_xlsx import summary_workbook
from tests.assessment.test_analysis import make_results


def test_a_ranked_sheet_per_category_with_numbers_as_numbers():
    r = make_results()
    r.units[1].unit_name = "=HYPERLINK(\"http://x\")梁洼乡"
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(r)))
    assert wb.sheetnames == ["乡镇（街道）", "县直部门"]
    ws = wb["乡镇（街道）"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "2021年度依法行政考核结果汇总表（乡镇（街道））"
    assert rows[1][:3] == ("排名", "被考核单位", "依法行政工作资料评判")
    assert [row[1] for row in rows[2:5]] == ["张良镇", "鲁山县瀼河乡人民政府", "'=HYPERLINK(\"http://x\")梁洼乡"]
    first = rows[2]
    assert first[0] == 1 and isinstance(first[7], float) and first[7] == 95.62 and first[8] == "优秀"
    assert first[5] == 1.5 and "加1.5分：省级表彰" in first[9]
    second = rows[3]
    assert second[6] == 1 and second[9].startswith("不得评为优秀")
    assert Decimal(str(second[4])) - Decimal(str(second[6])) + Decimal(str(second[5])) == Decimal("93.6")
    assert all(ws.cell(row=i, column=8).data_type == "n" for i in range(3, 6))
    assert all(wb[name].print_title_rows == "$1:$2" for name in wb.sheetnames)  # repeated on every page
    assert [r[1] for r in list(wb["县直部门"].iter_rows(values_only=True))[2:4]] == ["鲁山县司法局", "鲁山县教育体育局"]
    assert rows[-1][0].startswith("乡镇（街道）共3个被考核单位（审定）")
