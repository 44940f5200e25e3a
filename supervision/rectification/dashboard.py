"""Rectification figures for the 监督室 and leaders, the role dashboard panels, and SVG chart geometry."""
from __future__ import annotations

from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import date

from sqlalchemy import case, func, select

from .. import timeutil
from ..extensions import db
from ..letters.models import Letter, LetterProblem, LetterStatus
from ..visits.models import CheckItem, Problem
from .models import SUBMITTED, Closure, Submission
from .service import LetterState, open_states, pending_site_checks, unit_letters


@dataclass
class YearFigures:
    year: int
    issued: int = 0
    closed: int = 0
    close_days: list[int] = field(default_factory=list)
    due: int = 0  # letters whose first reply is in, or whose deadline has passed
    on_time: int = 0
    # Days to close of the letters summed by the database (recorded closures), next to close_days.
    close_days_sum: int = 0
    close_days_n: int = 0

    @property
    def avg_days_to_close(self) -> float | None:
        n = len(self.close_days) + self.close_days_n
        return round((sum(self.close_days) + self.close_days_sum) / n, 1) if n else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None


def _open_letters(today: date, with_problems: bool = False) -> tuple[list, dict]:
    """Issued letters without a recorded closure — every letter that may still be open, a few thousand at
    most, not the whole ten years — as light rows, with their derived states."""
    return open_states(today=today, item_names=with_problems)


def _issued_count() -> int:
    """Every issued letter (an index-only count). Those without a recorded closure are the open_states rows,
    so the recorded closures are this less those: no second pass over ten years of letters."""
    return db.session.scalar(select(func.count()).select_from(Letter).where(
        Letter.status == LetterStatus.issued.value)) or 0


def office_figures(today: date | None = None, opened: tuple | None = None) -> dict:
    """Open / overdue / closed counts, counts by state and overdue by unit: what the dashboard panel shows.

    Letters whose closure is recorded are counted, not derived; the others are derived (service.derive).
    """
    today = today or timeutil.today()
    letters, states = _open_letters(today) if opened is None else opened
    counts = Counter()
    overdue_by_unit: dict[int, dict] = {}
    for x in letters:
        st = states[x.id]
        counts[st.code] += 1  # "closed" is one of the codes
        if not st.closed:
            counts["open"] += 1
        if st.overdue:
            counts["overdue"] += 1
            row = overdue_by_unit.setdefault(x.unit_id, {"unit": SimpleNamespace(id=x.unit_id, name=x.unit_name),
                                                         "letters": [], "max_days": 0})
            row["letters"].append((x, st))
            row["max_days"] = max(row["max_days"], st.overdue_days)
    recorded = _issued_count() - len(letters)
    counts["closed"] += recorded
    overdue_rows = sorted(overdue_by_unit.values(), key=lambda r: (-r["max_days"], r["unit"].name))
    for row in overdue_rows:
        row["letters"].sort(key=lambda pair: -pair[1].overdue_days)
    return {
        "today": today,
        "counts": {"open": counts["open"], "overdue": counts["overdue"], "closed": counts["closed"],
                   "total": len(letters) + recorded, **{s.value: counts[s.value] for s in LetterState}},
        "states": list(LetterState),
        "overdue_by_unit": overdue_rows,
        "_letters": letters,
        "_states": states,
    }


def statistics(year: int | None = None, today: date | None = None) -> dict:
    """Open / overdue / closed counts, overdue by unit, issued vs closed per month of `year`, figures per
    year, problems by check item (of `year`).

    Letters with a recorded closure are counted by the database; only the others are derived in Python.
    """
    today = today or timeutil.today()
    year = year or today.year
    out = office_figures(today, _open_letters(today, with_problems=True))
    letters, states = out.pop("_letters"), out.pop("_states")
    months = OrderedDict((m, {"issued": 0, "closed": 0}) for m in range(1, 13))
    years: dict[int, YearFigures] = {}
    items: dict[str, dict] = OrderedDict()
    issued = Letter.status == LetterStatus.issued.value
    start, end = date(year, 1, 1), date(year, 12, 31)
    # Issued per month (every issued letter); closed per month (recorded closures, then derived ones below).
    for (d,) in db.session.execute(select(Letter.issue_date).where(issued, Letter.issue_date.between(start, end))):
        months[d.month]["issued"] += 1
    for (d,) in db.session.execute(select(Closure.closed_on).join(Letter, Letter.id == Closure.letter_id)
                                   .where(issued, Closure.closed_on.between(start, end))):
        months[d.month]["closed"] += 1
    # Figures per year of issue of the letters with a recorded closure, aggregated by the database from the
    # closures' own figures (one narrow table; not every letter and submission of ten years). A closed letter
    # voided later is left out, as everywhere: only issued letters count.
    voided = select(Letter.id).where(Letter.status == LetterStatus.voided.value)
    rows = db.session.execute(
        select(Closure.issue_year, func.count(), func.coalesce(func.sum(Closure.days_to_close), 0),
               func.count(Closure.days_to_close), func.count(Closure.replied_on_time),
               func.count(case((Closure.replied_on_time.is_(True), 1))))
        .where(Closure.issue_year.is_not(None), Closure.letter_id.not_in(voided))
        .group_by(Closure.issue_year))
    for y, n, days_sum, days_n, due, n_on_time in rows:
        y = int(y)
        yf = years.setdefault(y, YearFigures(y))
        yf.issued += n
        yf.closed += n
        yf.close_days_sum += int(days_sum)
        yf.close_days_n += days_n
        yf.due += due
        yf.on_time += n_on_time
    # Problems by check item of `year`, in letters with a recorded closure: all accepted.
    item_rows = db.session.execute(
        select(CheckItem.name, CheckItem.seq, func.count())
        .select_from(LetterProblem).join(Letter, Letter.id == LetterProblem.letter_id)
        .join(Closure, Closure.letter_id == Letter.id)
        .outerjoin(Problem, Problem.id == LetterProblem.problem_id)
        .outerjoin(CheckItem, CheckItem.id == Problem.item_id)
        .where(issued, Letter.issue_date.between(start, end))
        .group_by(CheckItem.name, CheckItem.seq))
    for name, seq, n in item_rows:
        name, seq = (name, seq) if name is not None else ("其他", 99)
        row = items.setdefault(name, {"name": name, "seq": seq, "total": 0, "accepted": 0})
        row["total"] += n
        row["accepted"] += n
    # The letters without a recorded closure, derived.
    for x in letters:
        st = states[x.id]
        if st.closed_on and st.closed_on.year == year:
            months[st.closed_on.month]["closed"] += 1
        if x.issue_date:
            yf = years.setdefault(x.issue_date.year, YearFigures(x.issue_date.year))
            yf.issued += 1
            if st.closed:
                yf.closed += 1
                if x.receipt_date and st.closed_on:
                    yf.close_days.append((st.closed_on - x.receipt_date).days)
            first = st.submissions[0] if st.submissions else None
            if first is not None or (st.deadline and today > st.deadline):
                yf.due += 1
                if first is not None and not first.late:
                    yf.on_time += 1
            if x.issue_date.year == year:
                for p in st.problems:  # the letter's items, with their check item (open_states item_names)
                    name, seq = (p.item.item_name, p.item.item_seq) if p.item.item_name is not None else ("其他", 99)
                    row = items.setdefault(name, {"name": name, "seq": seq, "total": 0, "accepted": 0})
                    row["total"] += 1
                    if p.state.value == "accepted":
                        row["accepted"] += 1
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
    if user.role == "unit":
        rows = [(x, st) for x, st in unit_letters(user.unit_id) if not st.closed]
        if not rows:
            return []
        return [("rectification/_panel_unit.html", {"rows": rows})]
    out = []
    if user.role in ("admin", "inspector"):
        checks = pending_site_checks(user)
        if checks:
            out.append(("rectification/_panel_site_checks.html", {"checks": checks}))
    if user.role in ("admin", "leader"):
        stats = office_figures()
        stats.pop("_letters"), stats.pop("_states")
        if stats["counts"]["total"]:
            awaiting = defaultdict(int)
            for s in (LetterState.submitted, LetterState.site_check):
                awaiting[s.label] = stats["counts"][s.value]
            out.append(("rectification/_panel_office.html", {"stats": stats, "awaiting": dict(awaiting)}))
    return out
