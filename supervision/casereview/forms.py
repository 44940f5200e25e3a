"""Turn the posted forms of 案卷评查 into the inputs the operations take."""
from __future__ import annotations

from datetime import date

from ..web import int_value
from .operations import CampaignInput, CaseInput, DeductionInput


def parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _ids(values) -> list[int]:
    return [i for i in (int_value(v) for v in values) if i is not None]


def parse_campaign_form(form) -> tuple[CampaignInput, dict[str, str]]:
    errors = {}
    start, end = parse_date(form.get("period_start", "")), parse_date(form.get("period_end", ""))
    if (form.get("period_start") and start is None) or (form.get("period_end") and end is None):
        errors["period"] = "办结日期格式不对，请按2021-04-09填写。"
    threshold = int_value(form.get("threshold", "60") or "60", lo=0, hi=100)
    if threshold is None and form.get("threshold", "").strip() != "0":
        errors["threshold"] = "合格分数线应为0至100之间的整数。"
    per_unit = int_value(form.get("cases_per_unit", "5") or "5", lo=1, hi=200)
    if per_unit is None:
        errors["cases_per_unit"] = "每个单位报送的案卷数应为1至200之间的整数。"
    sample_size = sample_seed = None
    unit_ids = None
    if form.get("selection") == "random":
        sample_size = int_value(form.get("sample_size", ""), lo=1, hi=100000)
        if sample_size is None:
            errors["sample_size"] = "请填写随机抽取的单位数（正整数）。"
        if form.get("sample_seed", "").strip():
            sample_seed = int_value(form.get("sample_seed", ""), lo=0, hi=2 ** 31 - 1)
            if sample_seed is None:
                errors["sample_seed"] = "随机种子应为整数（留空则由系统生成并记录）。"
    else:
        unit_ids = _ids(form.getlist("unit_ids"))
    data = CampaignInput(name=form.get("name", ""), period_start=start, period_end=end, unit_ids=unit_ids,
                         sample_size=sample_size, sample_seed=sample_seed,
                         reviewer_ids=_ids(form.getlist("reviewer_ids")), threshold=threshold or 0,
                         cases_per_unit=per_unit or 1)
    return data, errors


def parse_case_form(form) -> CaseInput:
    raw = form.get("closed_on", "")
    return CaseInput(number=form.get("number", ""), party=form.get("party", ""), cause=form.get("cause", ""),
                     closed_on=parse_date(raw), closed_on_raw=raw, major=form.get("major") == "1")


def parse_review_form(form, standard) -> tuple[dict[int, DeductionInput], str, int | None]:
    entries = {}
    for it in standard.items:
        entries[it.id] = DeductionInput(points=form.get(f"points-{it.id}", ""), note=form.get(f"note-{it.id}", ""),
                                        as_problem=form.get(f"problem-{it.id}") == "1")
    return entries, form.get("review_note", ""), int_value(form.get("version", ""))
