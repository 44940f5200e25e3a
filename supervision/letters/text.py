"""Pure functions for the words that go on paper. No database, no Flask."""
from __future__ import annotations

from datetime import date

DIGITS = "零一二三四五六七八九"

# 附件三 of 鲁法政办〔2021〕4号, word for word: a letter type whose request paragraph should read as the 2021 template
# sets this text as its own. {days} and {place} come from the profile / letter type.
TEMPLATE_THREE_REQUEST = (
    "请你单位接到本通知后进行研究，制定具体措施、进一步完善制度，"
    "并于{days}日之内前将相关情况书面报送至{place}。"
)
# The request paragraph of a letter type that sets none: 附件三's sentence without its two slips — the letter is
# not a 通知 but the document named in its title ({name}), and "于30日之内前" says 之内 and 前 at once.
DEFAULT_REQUEST_TEMPLATE = (
    "请你单位接到本{name}后进行研究，制定具体措施、进一步完善制度，"
    "并于{days}日内将相关情况书面报送至{place}。"
)
# 《行政执法监督条例》（国务院令第825号）第六条: from its entry into force the county's 司法行政部门 is the government's
# 行政执法监督机构; letters dated before keep the 2021 署名 of 鲁法政办〔2021〕4号.
REGULATION_IN_FORCE = date(2026, 2, 1)
AUTHORITY_BEFORE_REGULATION = "鲁山县法治政府建设领导小组办公室"
AUTHORITY_UNDER_REGULATION = "鲁山县司法局"
DEFAULT_INTRO = "经依法行政日常监督检查，发现你单位存在以下问题："
SENTENCE_END = "。！？"
TRAILING_SOFT = "，、；：,;: "


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (counting words, not digits)."""
    if n < 0:
        raise ValueError("负数没有序数")
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = DIGITS[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + DIGITS[rest]
        if rest < 20:
            return head + "一十" + (DIGITS[rest % 10] if rest % 10 else "")
        return head + cn_number(rest)
    raise ValueError("序数超过999")


def ordinal_lead(n: int) -> str:
    """1 → 一是, 11 → 十一是, 20 → 二十是."""
    if n < 1:
        raise ValueError("序号从1开始")
    return cn_number(n) + "是"


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef" or ch in "“”‘’"


def one_line(text: str) -> str:
    """A paragraph's lines joined: nothing between Chinese characters, one space between other words."""
    out = ""
    for part in (text or "").split():
        if out and not (_is_cjk(out[-1]) and _is_cjk(part[0])):
            out += " "
        out += part
    return out


def problem_paragraph(n: int, text: str, lead: bool = True) -> str:
    """一是执法人员未按规定着装。 — a full stop at the end, whatever the inspector typed. lead=False (a letter with
    one problem): the text alone, no 一是."""
    body = one_line(text)
    while body and body[-1] in TRAILING_SOFT:
        body = body[:-1]
    if body.startswith(ordinal_lead(n)):
        body = body[len(ordinal_lead(n)):]
    if body and body[-1] not in SENTENCE_END:
        body += "。"
    return (ordinal_lead(n) if lead else "") + body


def letter_number(prefix: str, year: int, seq: int) -> str:
    """鲁政行监字〔2021〕7号: full year in 〔〕, no 第, no leading zeros (GB/T 9704-2012 7.2.4)."""
    if seq < 1:
        raise ValueError("文号序号从1开始")
    return f"{prefix}〔{int(year)}〕{int(seq)}号"


def case_sentence(case_name: str = "", case_number: str = "") -> str:
    """你单位××××案（鲁×罚决字〔××〕第×号）经审查后发现： — or the plain opening without a case."""
    name = (case_name or "").strip()
    number = (case_number or "").strip()
    if not name:
        return f"你单位{number}案卷经审查后发现：" if number else DEFAULT_INTRO
    if name.endswith("案"):
        name = name[:-1]
    return f"你单位{name}案" + (f"（{number}）" if number else "") + "经审查后发现："


def request_paragraph(days: int, place: str, template: str | None = None, name: str = "意见书") -> str:
    return (template or DEFAULT_REQUEST_TEMPLATE).format(days=int(days), place=place, name=name)


def suggested_authority(day: date) -> str:
    """The 署名 a letter dated `day` should carry: 鲁山县司法局 from the day 《行政执法监督条例》 is in force (its
    第六条), the 2021 letters' 鲁山县法治政府建设领导小组办公室 before."""
    return AUTHORITY_UNDER_REGULATION if day >= REGULATION_IN_FORCE else AUTHORITY_BEFORE_REGULATION


def addressee_line(unit_name: str) -> str:
    return f"{unit_name}："


def contact_line(person: str = "", phone: str = "") -> str:
    """（联系人：×××，联系方式：×××） — the parts that are known; without a 联系人 the number alone reads
    （联系电话：×××）, not a 联系方式 that seems to miss its person."""
    if person and phone:
        return f"（联系人：{person}，联系方式：{phone}）"
    if person:
        return f"（联系人：{person}）"
    return f"（联系电话：{phone}）" if phone else ""


def paper_date(d: date) -> str:
    """成文日期 in Arabic numerals, no leading zeros: 2021年4月9日."""
    return f"{d.year}年{d.month}月{d.day}日"


WEEKDAYS = "一二三四五六日"


def deadline_explanation(start: date, days: int, nominal: date, due: date, reason: str = "",
                         verb: str = "签收") -> str:
    """2021-09-01 签收 + 30 日 = 2021-10-01，国庆节顺延至 2021-10-08."""
    head = f"{start.isoformat()} {verb} + {days} 日 = {nominal.isoformat()}"
    if due == nominal:
        return head + f"（星期{WEEKDAYS[nominal.weekday()]}，{reason or '工作日'}）"
    why = reason or "休息日"
    if why == "周末":
        why = f"星期{WEEKDAYS[nominal.weekday()]}"
    return head + f"，{why}顺延至 {due.isoformat()}"
