"""考核分析 from YearResults built by hand: seed 001's year-on-year sentence, 优秀 two years running, grade counts,
the weakest indicators and the charts' data. `make_results` is shared by the other output tests."""
from datetime import date
from decimal import Decimal as D

from supervision.assessment import analysis
from supervision.assessment.reportdata import (Adjustment, CategoryScheme, CommonProblem, IndicatorLine,
                                               SchemeSummary, UnitResult, YearResults)

TOWN, DEPT = "乡镇（街道）", "县直部门"


def scheme(year=2021) -> SchemeSummary:
    return SchemeSummary(
        year=year, title=f"{year}年度依法行政考核实施方案",
        categories=[CategoryScheme(TOWN, 105, 75, 30, D(75), D(30), D("71.43"), D("28.57")),
                    CategoryScheme(DEPT, 99, 69, 30, D(69), D(30), D("69.70"), D("30.30"))],
        rating_percents={"优": 100, "良": 80, "中": 60, "差": 0},
        bonus_per_case=(D("0.25"), D(1)), bonus_cap=D(5), penalty_per_case=D(1), penalty_cap=D(10))


def unit(uid, name, category, total, grade, rank, lines=(), bonus=D(0), penalty=D(0), adjustments=(),
         barred=False) -> UnitResult:
    total = D(total)
    internal = total - bonus + penalty
    return UnitResult(uid, name, category, materials=(internal * D("0.7")).quantize(D("0.01")),
                      daily=internal - (internal * D("0.7")).quantize(D("0.01")), internal=internal, bonus=bonus,
                      penalty=penalty, total=total, grade=grade, rank=rank, barred_excellent=barred,
                      lines=list(lines), adjustments=list(adjustments))


def lines(ratings: str) -> list[IndicatorLine]:
    """Three indicators rated as the letters say (优良中差 / 无 = 不适用)."""
    pcts = {"优": 100, "良": 80, "中": 60, "差": 0}
    out = []
    for i, r in enumerate(ratings, start=1):
        pts = D(5)
        earned = None if r == "无" else pts * pcts[r] / 100
        out.append(IndicatorLine(f"1.1.{i}", f"依法行政制度体系 / 规范性文件 / 指标{i}", "依法行政工作资料评判", pts,
                                 "不适用" if r == "无" else r, earned, "理由"))
    return out


def make_results(previous=True) -> YearResults:
    """2021: 乡镇 average 89.74 (79.22 in 2020), 县直 86.06 (76.97); 优秀 averages 95.62 / 91.66 (86.41 / 86.61)."""
    prev = YearResults(2020, scheme(2020), [
        unit(1, "张良镇", TOWN, "86.41", "优秀", 1),
        unit(2, "梁洼乡", TOWN, "72.03", "良好", 2),
        unit(3, "鲁山县瀼河乡人民政府", TOWN, "79.22", "良好", 2),  # average (86.41+72.03+79.22)/3 = 79.22
        unit(11, "鲁山县司法局", DEPT, "86.61", "优秀", 1),
        unit(12, "鲁山县教育体育局", DEPT, "67.33", "良好", 2),
    ], common_problems=[])
    now = YearResults(2021, scheme(), [
        unit(1, "张良镇", TOWN, "95.62", "优秀", 1, lines("优良差"), bonus=D("1.5"),
             adjustments=[Adjustment(D("1.5"), "省级表彰")]),
        unit(2, "梁洼乡", TOWN, "80.00", "良好", 3, lines("良良中")),
        unit(3, "鲁山县瀼河乡人民政府", TOWN, "93.60", "良好", 2, lines("优无差"), penalty=D(1), barred=True,
             adjustments=[Adjustment(D(-1), "被市政府通报批评", True)]),
        unit(11, "鲁山县司法局", DEPT, "91.66", "优秀", 1, lines("优优中")),
        unit(12, "鲁山县教育体育局", DEPT, "80.46", "良好", 2, lines("良中差")),
    ], common_problems=[CommonProblem("（二）行政执法程序", 3, ["未告知陈述申辩权利", "送达回证缺失"]),
                        CommonProblem("（五）执法案卷管理", 7, ["案卷未按规定装订"])],
        previous=prev if previous else None,
        texts={"work": "2021年各单位在推行依法行政方面做了大量工作。\n（一）依法行政意识不断提高。",
               "requirements": "（一）进一步提高对依法行政工作认识。\n（二）进一步落实行政执法责任制。"},
        confirmed_on=date(2022, 4, 9), status="审定")
    return now


def test_year_on_year_numbers_are_seed_001s():
    comp = {c.category: c for c in analysis.compare(make_results())}
    town = comp[TOWN]
    assert (town.average.current, town.average.previous) == (D("89.74"), D("79.22"))
    assert town.average.change == D("10.52") and town.average.growth == D("13.28")
    assert town.excellent_average.change == D("9.21") and town.excellent_average.growth == D("10.66")
    dept = comp[DEPT]
    assert dept.average.current == D("86.06") and dept.average.change == D("9.09") and dept.average.growth == D("11.81")
    assert dept.excellent_average.growth == D("5.83")
    text = analysis.year_on_year_paragraph(make_results())
    assert "与2020年考核得分相比，2021年乡镇（街道）平均得分为89.74分，较去年增加了10.52分，同比增长了13.28%" in text
    assert "县直部门平均得分为86.06分，较去年增加了9.09分，同比增长了11.81%" in text
    assert "在考核评定为优秀等次的单位中，乡镇（街道）的平均得分为95.62分，较去年增加了9.21分，同比增长了10.66%" in text
    assert "张良镇、鲁山县司法局等2个单位连续2年获评优秀等次" in text


def test_a_fall_is_worded_as_a_fall_and_no_previous_year_gives_no_paragraph():
    assert analysis.Change(D("70.00"), D("80.00")).phrase() == "70.00分，较去年减少了10.00分，同比下降了12.50%"
    assert analysis.Change(D("80.00"), D("80.00")).phrase() == "80.00分，与去年持平"
    assert analysis.year_on_year_paragraph(make_results(previous=False)) == ""
    assert analysis.excellent_two_years(make_results(previous=False)) == []


def test_grades_distribution_and_weakest_indicators():
    r = make_results()
    assert analysis.grade_counts(r.units) == {"优秀": 2, "良好": 3}
    assert [u.unit_name for u in analysis.newly_excellent(r)] == []
    weak = analysis.weakest_indicators(r, limit=3)
    # 指标3: 差, 中, 差, 中, 差 → (0 + 60 + 0 + 60 + 0) / 5 = 24 %
    assert weak[0].code == "1.1.3" and weak[0].share == D("24.00") and weak[0].units == 5
    # 指标2: 不适用 for one unit — left out, not counted as 0: (80 + 80 + 100 + 60) / 4 = 80 %
    assert next(w for w in analysis.weakest_indicators(r) if w.code == "1.1.2").units == 4
    dist = dict(analysis.distribution(analysis.by_category(r.units)[TOWN]))
    assert dist["95分及以上"] == 1 and dist["90–95分"] == 1 and dist["80–90分"] == 1


def test_charts_data_scale_to_the_tallest_bar():
    charts = analysis.charts(make_results())
    titles = [c.title for c in charts]
    assert titles == ["乡镇（街道）得分分布（单位数）", "县直部门得分分布（单位数）", "乡镇（街道）等次分布（单位数）",
                      "县直部门等次分布（单位数）", "各类别平均得分（分）"]
    yoy = charts[-1]
    assert yoy.legend == ["2021年", "2020年"]
    assert max(b.height for b in yoy.bars) == 100
    assert [(b.label, b.shown, b.series) for b in yoy.bars][:2] == [(TOWN, "79.22", 1), (TOWN, "89.74", 0)]


def test_the_charts_partial_draws_inline_svg_with_every_value_printed(app):
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string('{% from "assessment/_charts.html" import assessment_charts %}'
                                      "{{ assessment_charts(charts) }}", charts=analysis.charts(make_results()))
    assert html.count("<svg") == 5 and "<script" not in html and "style=" not in html
    assert "各类别平均得分（分）" in html and ">89.74</text>" in html and ">79.22</text>" in html
    assert "legend-last-year" in html and "2020年" in html
    assert "较去年增加了10.52分" in html  # the year-on-year sentence under the chart
