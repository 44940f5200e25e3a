"""The visit form's check items 四 (重大行政处罚备案) and 六 (规范性文件备案) show the unit's filings of the visit's
year next to the rating: registered with visits/extras.py (visits imports nothing of filings)."""
from __future__ import annotations

from flask import url_for
from markupsafe import Markup, escape

from ..visits.extras import register_item_panel
from .queries import yearly_summary

PENALTY_ITEM_KEY = "major_penalty_filing"
NORMATIVE_ITEM_KEY = "normative_documents"


def _link(endpoint: str, visit, text: str) -> Markup:
    try:
        href = url_for(endpoint, unit_id=visit.unit_id, year=visit.visit_date.year)
    except Exception:  # noqa: BLE001 - the filings pages are not registered (a bare app): text only
        return escape(text)
    return Markup('<a href="{}">{}</a>').format(href, text)


@register_item_panel
def filings_panel(visit) -> dict:
    items = {i.key: i for i in visit.catalogue.items}
    if PENALTY_ITEM_KEY not in items and NORMATIVE_ITEM_KEY not in items:
        return {}
    year = visit.visit_date.year
    s = yearly_summary(year, unit_id=visit.unit_id).get(visit.unit_id)
    out = {}
    if PENALTY_ITEM_KEY in items:
        if s is None or not (s.penalty_due or s.pending):
            text = Markup("{}年本单位没有重大行政处罚备案记录。").format(year)
        else:
            text = Markup("{}年重大行政处罚备案：按时备案 {} 件，逾期备案 {} 件，未备案 {} 件{}。").format(
                year, s.on_time, s.late, s.missing, Markup("，提出纠正意见 {} 件").format(s.corrections)
                if s.corrections else "")
        out[items[PENALTY_ITEM_KEY].id] = Markup("{} {}").format(text, _link("filings.penalties", visit, "查看备案登记"))
    if NORMATIVE_ITEM_KEY in items:
        if s is None or not s.normative_filed:
            text = Markup("{}年本单位没有规范性文件备案记录。").format(year)
        else:
            text = Markup("{}年规范性文件备案：报送 {} 件，按时 {} 件，不予备案 {} 件。").format(
                year, s.normative_filed, s.normative_on_time, s.normative_rejected)
        out[items[NORMATIVE_ITEM_KEY].id] = Markup("{} {}").format(
            text, _link("filings.normatives", visit, "查看备案登记"))
    return out
