"""What other parts add to the visit form, registered by them (visits imports no part above it).

filings registers the unit's filings of the year next to check items 四 and 六 (filings/on_visits.py)."""
from __future__ import annotations

from collections.abc import Callable

_item_panels: list[Callable] = []


def register_item_panel(fn: Callable) -> Callable:
    """fn(visit) -> {check item id: HTML (Markup) shown next to that item's rating}."""
    if fn not in _item_panels:
        _item_panels.append(fn)
    return fn


def item_panels(visit) -> dict[int, list]:
    """Every registered part's panels for this visit's check items."""
    out: dict[int, list] = {}
    for fn in _item_panels:
        for item_id, html in (fn(visit) or {}).items():
            out.setdefault(item_id, []).append(html)
    return out
