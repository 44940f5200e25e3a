"""Rectification figures for the 监督室 and leaders, the role dashboard panels, and SVG chart geometry."""
from __future__ import annotations

from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date

from sqlalchemy import func, select

from .. import timeutil
from ..extensions import db
from ..letters.models import Letter, LetterStatus
from ..policy import can
from . import access  # noqa: F401  (declares the rules asked here)
from .models import Closure
from . import standing
from .queries import LetterState, pending_site_checks, unit_letters


@dataclass
class YearFigures:
    year: int
    issued: int = 0
    closed: int = 0
    due: int = 0  # letters whose first reply is in, or whose deadline has passed
    on_time: int = 0
    close_days_sum: int = 0  # days from receipt to closure, summed over the closed letters that have both
    close_days_n: int = 0

    @property
    def avg_days_to_close(self) -> float | None:
        return round(self.close_days_sum / self.close_days_n, 1) if self.close_days_n else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None


def office_figures(today: date | None = None, year: int | None = None) -> dict:
    """Open / overdue / closed counts, counts by state and overdue by unit: what the dashboard panel shows (all
    letters), or 整改统计 (the letters issued in `year`).

    Asked of the stored states of the open letters (standing: derive's output, kept after every change) and
    the closed letters' sums per year.
    """
    today = today or timeutil.today()
    counts = Counter(standing.state_counts(year))
    n_open = sum(counts.values())
    overdue = standing.overdue_letters(today, year)
    overdue_by_unit: dict[int, dict] = {}
    for x in overdue:
        row = overdue_by_unit.setdefault(x.unit_id, {"unit": SimpleNamespace(id=x.unit_id, name=x.unit_name),
                                                     "letters": [], "max_days": 0})
        row["letters"].append((x, x))  # (letter, status) pairs: the row is both (id, number; label, days)
        row["max_days"] = max(row["max_days"], x.overdue_days)
    # Every issued letter is open (a stored state) or closed (summed per year as it closes): no count over ten
    # years of letters.
    counts["closed"] = sum(cy.closed for cy in standing.closed_years() if year is None or cy.issue_year == year)
    total = n_open + counts["closed"]
    overdue_rows = sorted(overdue_by_unit.values(), key=lambda r: (-r["max_days"], r["unit"].name))
    return {
        "today": today,
        "counts": {"open": n_open, "overdue": len(overdue), "closed": counts["closed"], "total": total,
                   **{s.value: counts[s.value] for s in LetterState}},
        "states": list(LetterState),
        "overdue_by_unit": overdue_rows,
    }


def statistics(year: int | None = None, today: date | None = None) -> dict:
    """Open / overdue / closed counts, counts by state and overdue by unit of the letters issued in `year`,
    issued vs closed per month of `year`, figures per year (each row its own year), problems by check item (of
    letters issued in `year`): every figure answers the year the page shows.

    Closed letters are summed from their recorded closures (per year as they close), open ones from their
    stored states (standing): nothing is derived per letter here.
    """
    today = today or timeutil.today()
    year = year or today.year
    out = office_figures(today, year)
    months = OrderedDict((m, {"issued": 0, "closed": 0}) for m in range(1, 13))
    years: dict[int, YearFigures] = {}
    items: dict[str, dict] = OrderedDict()
    issued = Letter.status == LetterStatus.issued.value
    start, end = date(year, 1, 1), date(year, 12, 31)
    # Issued and closed per month of `year`: counted by the database from two index ranges. Every closed letter
    # has its closure recorded; a closed letter voided later is left out, as everywhere.
    month = func.extract("month", Letter.issue_date)
    for m, n in db.session.execute(select(month, func.count()).where(issued, Letter.issue_date.between(start, end))
                                   .group_by(month)):
        months[int(m)]["issued"] += n
    voided = select(Letter.id).where(Letter.status == LetterStatus.voided.value)
    month = func.extract("month", Closure.closed_on)
    for m, n in db.session.execute(select(month, func.count()).where(Closure.closed_on.between(start, end),
                                                                     Closure.letter_id.not_in(voided))
                                   .group_by(month)):
        months[int(m)]["closed"] += n
    # Figures per year of issue: the closed letters' sums (kept per year as letters close), then the open ones
    # from their stored states.
    for cy in standing.closed_years():
        yf = years.setdefault(cy.issue_year, YearFigures(cy.issue_year))
        yf.issued += cy.closed
        yf.closed += cy.closed
        yf.close_days_sum += cy.close_days_sum
        yf.close_days_n += cy.close_days_n
        yf.due += cy.reported
        yf.on_time += cy.on_time
    for y, n, due, n_on_time in standing.figures_by_year(today):
        yf = years.setdefault(int(y), YearFigures(int(y)))
        yf.issued += n
        yf.due += due
        yf.on_time += n_on_time
    # Problems by check item of `year`: in closed letters (all accepted), then in open ones (by their state).
    for name, seq, n, n_accepted in [*standing.closed_item_figures(year), *standing.item_figures(year)]:
        name, seq = (name, seq) if name is not None else ("其他", 99)
        row = items.setdefault(name, {"name": name, "seq": seq, "total": 0, "accepted": 0})
        row["total"] += int(n)
        row["accepted"] += int(n_accepted)
    by_item = sorted(items.values(), key=lambda r: (r["seq"], r["name"]))
    out.update({
        "year": year,
        "months": months,
        "years": [years[y] for y in sorted(years, reverse=True)],
        "by_item": by_item,
        "month_chart": month_chart(months),
        "item_chart": item_chart(by_item),
    })
    return out


def month_chart(months: dict, width: int = 720, height: int = 240) -> dict:
    """Geometry of grouped bars: letters issued and closed in each month."""
    left, right, top, bottom = 40, 10, 20, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((max(v["issued"], v["closed"]) for v in months.values()), default=0) or 1
    slot = plot_w / 12
    bar_w = round(slot * 0.35, 1)
    bars = []
    for i, (m, v) in enumerate(months.items()):
        x0 = left + i * slot + slot * 0.12
        for j, key in enumerate(("issued", "closed")):
            h = round(plot_h * v[key] / peak, 1)
            bars.append({"x": round(x0 + j * bar_w, 1), "y": round(top + plot_h - h, 1), "w": bar_w, "h": h,
                         "n": v[key], "key": key, "month": m,
                         "fill": "#0d6efd" if key == "issued" else "#198754"})
    labels = [{"x": round(left + i * slot + slot / 2, 1), "text": f"{m}月"} for i, m in enumerate(months)]
    step = max(1, -(-peak // 4))
    ticks = [{"y": round(top + plot_h - plot_h * t / peak, 1), "value": t} for t in range(0, peak + 1, step)]
    return {"width": width, "height": height, "left": left, "right": width - right, "top": top,
            "base": top + plot_h, "label_y": height - 10, "bars": bars, "labels": labels, "ticks": ticks}


def item_chart(rows: list[dict], width: int = 720) -> dict:
    """Geometry of horizontal bars: problems per check item, the accepted part in green."""
    label_w, bar_h, gap, top = 170, 20, 8, 10
    plot_w = width - label_w - 60
    peak = max((r["total"] for r in rows), default=0) or 1
    bars = []
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        total_w = round(plot_w * r["total"] / peak, 1)
        acc_w = round(plot_w * r["accepted"] / peak, 1)
        bars.append({"label": r["name"], "y": y, "text_y": y + bar_h * 0.72, "total_w": total_w, "acc_w": acc_w,
                     "total": r["total"], "accepted": r["accepted"], "num_x": label_w + total_w + 6})
    return {"width": width, "height": top + len(rows) * (bar_h + gap) + 10, "label_w": label_w, "bar_h": bar_h,
            "bars": bars}


def panels(user):
    """Return a list of (template_name, context_dict) shown on user's dashboard, in order."""
    if can("rectification.unit_portal", user=user):
        rows = [(x, st) for x, st in unit_letters(user.unit_id) if not st.closed]
        if not rows:
            return []
        return [("rectification/_panel_unit.html", {"rows": rows})]
    out = []
    if can("rectification.record_site_result", user=user):
        checks = pending_site_checks(user)
        if checks:
            out.append(("rectification/_panel_site_checks.html", {"checks": checks}))
    if can("rectification.office_figures", user=user):
        stats = office_figures()
        if stats["counts"]["total"]:
            awaiting = defaultdict(int)
            for s in (LetterState.submitted, LetterState.site_check):
                awaiting[s.label] = stats["counts"][s.value]
            out.append(("rectification/_panel_office.html", {"stats": stats, "awaiting": dict(awaiting)}))
    return out
