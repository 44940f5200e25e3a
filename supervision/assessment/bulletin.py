"""The draft 年度依法行政考核情况通报 as .docx, in the structure of the county's 2020 通报 (鲁法政办〔2021〕1号):

一、工作情况 (the office's text, results.texts["work"]); 二、考核评分措施 (generated from the scheme: indicator counts,
component shares, the rating percentages, the 加减分 rules); 三、考核结果 (the 优秀 and 良好 lists per category, generated,
with the year-on-year analysis of analysis.py when last year's results are given); 四、存在的主要问题 (the year's
findings by check item, most frequent first, or the office's edited text["problems"]); 五、下一步工作要求
(texts["requirements"]). Optional texts: "authority" (发文机关署名), "addressee" (主送), "intro", "number".

Laid out with the letters' 公文 helpers (supervision/letters/docx.py: A4, GB/T 9704 margins, 22 lines of 28
characters, 仿宋_GB2312 3号, page numbers "— 1 —"), not a copy of them.
"""
from __future__ import annotations

import io
from decimal import Decimal

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from ..letters.docx import (LANG, PAGE_NO_PT, TITLE_FONT, _defaults, _grid, _page_number, _paragraph, _signature)
from ..letters.text import cn_number, paper_date
from . import analysis
from .reportdata import YearResults

HEADING_FONT = "黑体"
DEFAULT_AUTHORITY = "法治政府建设领导小组办公室"
DEFAULT_ADDRESSEE = "各乡（镇、街道），县直各单位："
TO_FILL = "（待填写）"


def _points(v) -> str:
    """Decimal("5.00") → "5", Decimal("0.25") → "0.25"."""
    return format(Decimal(v).normalize(), "f")


def scheme_paragraphs(results: YearResults) -> list[str]:
    """二、考核评分措施, generated from results.scheme as seed 000 words it."""
    s = results.scheme
    paras = [f"按照《考核方案》要求，考核方式分为行政系统内部考核（满分100分）和加减分评定"
             f"（最高不超过{_points(s.bonus_cap)}分）。"]
    parts = []
    for c in s.categories:
        parts.append(f"对{c.category}考核的三级指标为{c.indicator_count}项，依法行政工作资料评判占比{c.materials_share}%、"
                     f"日常工作情况评价占比{c.daily_share}%")
    rp = s.rating_percents

    def rated(word: str) -> str:
        p = rp.get(word)
        if p is None:
            return ""
        return f"评价为“{word}”等次的工作任务" + (f"得该项分值的{p}%" if p else "不得分")

    ratings = "，".join(x for x in (rated("优"), rated("良"), rated("中"), rated("差")) if x)
    paras.append("（一）认真开展行政系统内部考核。行政系统内部考核主要包括依法行政工作资料评判和日常工作情况评价两项"
                 + ("，其中" + "；".join(parts) if parts else "") + "。"
                 + "依法行政工作资料评判根据各单位报送的依法行政工作资料，按照考核方案的评分标准逐项评判赋分。"
                 + (f"其中：{ratings}。" if ratings else "")
                 + "被考核单位不涉及的指标，按照加权计算法折算得分。"
                 + "日常工作情况评价根据本年度监督检查评价、监督意见书整改、自查报送和立行立改等日常监督记录计算得分。")
    lo, hi = s.bonus_per_case
    bonus = [u for u in results.units if u.bonus > 0]
    penalty = [u for u in results.units if u.penalty > 0]
    barred = [u for u in results.units if u.barred_excellent]
    tally = f"经汇总，{len(bonus)}个单位获得加分"
    if bonus:
        tally += f"，最高加分为{_points(max(u.bonus for u in bonus))}分，最少加分为{_points(min(u.bonus for u in bonus))}分"
    tally += f"；{len(penalty)}个单位存在扣分情形" if penalty else "；无单位存在扣分情形"
    if barred:
        tally += f"，其中{len(barred)}个单位情节严重，取消评定优秀等次资格"
    tally += "。"
    paras.append("（二）严格确定考核加减分。对推进依法行政工作措施有力、成效明显的，根据情况在总分中增加"
                 f"{_points(lo)}至{_points(hi)}分，累计加分最多不超过{_points(s.bonus_cap)}分；"
                 "对因违法违纪、履行法治建设职责不力等，被有关单位通报批评，或者造成重大负面舆情、影响恶劣的，"
                 f"每次在总分中减少{_points(s.penalty_per_case)}分，累计扣分原则上不超过{_points(s.penalty_cap)}分，"
                 "情节严重的，不得被评为优秀等次。" + tally)
    return paras


def result_paragraphs(results: YearResults) -> list[tuple[str, str]]:
    """三、考核结果: [(kind, text)] with kind "sub" for a category heading, "body" otherwise."""
    groups = analysis.by_category(results.units)
    cats = analysis.categories(results)
    counts = analysis.grade_counts(results.units)
    exc = counts.get(analysis.EXCELLENT, 0)
    per_cat = "，".join(f"{c}{sum(1 for u in groups.get(c, []) if u.grade == analysis.EXCELLENT)}个" for c in cats)
    others = [f"{g}{n}个" for g, n in counts.items() if g != analysis.EXCELLENT]
    out = [("body", "经考核汇总、问题反馈、领导小组成员单位共同确认、报领导小组审定，"
                    f"{results.year}年度依法行政考核结果共评定：优秀{exc}个" + (f"，其中{per_cat}" if exc else "")
                    + ("；" + "、".join(others) if others else "") + "。")]
    for i, cat in enumerate(cats, start=1):
        units = analysis.ranked(groups.get(cat, []))
        out.append(("sub", f"（{cn_number(i)}）{cat}"))
        grades = analysis.grade_counts(units)
        for grade, n in grades.items():
            names = "、".join(u.unit_name for u in units if u.grade == grade)
            out.append(("body", f"{grade}等次（{n}个）："))
            out.append(("body", names + "。"))
    yoy = analysis.year_on_year_paragraph(results)
    if yoy:
        out.append(("sub", f"（{cn_number(len(cats) + 1)}）与上年度对比"))
        out.append(("body", yoy))
    return out


def problem_paragraphs(results: YearResults) -> list[str]:
    """四、存在的主要问题: the office's text if edited, else generated from the findings, most frequent first."""
    edited = (results.texts.get("problems") or "").strip()
    if edited:
        return _lines(edited)
    problems = sorted(results.common_problems, key=lambda p: -p.count)
    if not problems:
        return [TO_FILL]
    paras = [f"从考核总体情况看，{results.year}年度各被考核单位的依法行政工作虽然取得了一定的成效，"
             "但也存在一些问题和不足："]
    for i, p in enumerate(problems, start=1):
        text = f"{cn_number(i)}是{p.item}方面存在问题。全年监督检查中发现此类问题{p.count}个"
        examples = [e.strip().rstrip("。；;") for e in p.examples if e.strip()][:3]
        if examples:
            text += "，主要表现为" + "；".join(examples)
        paras.append(text + "。")
    return paras


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in (text or "").splitlines() if ln.strip()]


def bulletin_docx(results: YearResults) -> bytes:
    texts = results.texts
    authority = (texts.get("authority") or DEFAULT_AUTHORITY).strip()
    year = results.year
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(297 - 37 - 225)
    section.left_margin, section.right_margin = Mm(28), Mm(210 - 28 - 156)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(297 - 37 - 225 - 7) - Pt(PAGE_NO_PT)
    _grid(section)
    _defaults(doc)
    doc.settings.odd_and_even_pages_header_footer = True

    title = f"{authority}关于{year}年度依法行政考核情况的通报"
    _paragraph(doc, title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22, keep_next=True)
    number = (texts.get("number") or "").strip()
    _paragraph(doc, number or ("（草稿）" if results.confirmed_on is None else ""), align=WD_ALIGN_PARAGRAPH.CENTER,
               keep_next=True)
    _paragraph(doc, keep_next=True)
    _paragraph(doc, (texts.get("addressee") or DEFAULT_ADDRESSEE).strip(), keep_next=True)
    intro = (texts.get("intro") or "").strip() or (
        f"根据《{results.scheme.title}》（以下简称《考核方案》）要求，{year}年度依法行政考核工作已经完成。"
        "现将考核情况通报如下：")
    body = lambda text: _paragraph(doc, text, indent_chars=2)  # noqa: E731
    heading = lambda text: _paragraph(doc, text, indent_chars=2, font=HEADING_FONT, keep_next=True)  # noqa: E731
    body(intro)
    heading(f"一、{year}年度依法行政工作情况")
    for p in _lines(texts.get("work", "")) or [TO_FILL]:
        body(p)
    heading("二、考核评分措施")
    for p in scheme_paragraphs(results):
        body(p)
    heading("三、考核结果")
    for kind, text in result_paragraphs(results):
        if kind == "sub":
            _paragraph(doc, text, indent_chars=2, keep_next=True)
        else:
            body(text)
    heading(f"四、{year}年度依法行政工作存在的主要问题")
    for p in problem_paragraphs(results):
        body(p)
    heading("五、下一步工作要求")
    reqs = _lines(texts.get("requirements", "")) or [TO_FILL]
    for n, p in enumerate(reqs):
        _paragraph(doc, p, indent_chars=2, keep_next=n == len(reqs) - 1)
    _paragraph(doc, keep_next=True)
    _paragraph(doc, keep_next=True)
    _signature(doc, authority, paper_date(results.confirmed_on) if results.confirmed_on else "　　年　月　日")
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)
    props = doc.core_properties
    props.title = title
    props.author = authority
    props.subject = f"{year}年度依法行政考核情况通报"
    props.language = LANG
    props.last_modified_by = authority
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
