"""工作日历: which years the calendar knows, and the admin's entry of a year's holidays and 调休 working days."""
import re
from datetime import date, timedelta

import chinese_calendar
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from . import audit, holiday_notice, workcal
from . import main_access as _access  # noqa: F401  (declares the rules these pages name)
from .extensions import db
from .policy import allows
from .web import int_arg

bp = Blueprint("workcal", __name__, url_prefix="/calendar")

_DATE = r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(rf"^{_DATE}(?:\s*(?:~|～|至|到|—|–|--)\s*{_DATE})?\s*(.*)$")


class YearForm(FlaskForm):
    year = IntegerField("年份", validators=[DataRequired("请填写年份。"), NumberRange(2000, 2100, "年份应在2000至2100之间。")])
    source = StringField("依据", validators=[Optional()],
                         description="国务院办公厅关于该年部分节假日安排的通知，如 国办发明电〔2026〕×号")
    holidays = TextAreaField("放假日期", render_kw={"rows": 10},
                             description="每行一天或一段：2027-01-01 元旦；2027-10-01~2027-10-07 国庆节")
    workdays = TextAreaField("调休上班日期（周末上班）", render_kw={"rows": 5},
                             description="每行一天：2027-02-20 春节调休")


class NoticeForm(FlaskForm):
    """The State Council notice pasted as published; previewed, then saved on confirmation."""

    year = IntegerField("通知所属年度", validators=[Optional(), NumberRange(2000, 2100, "年度应在2000至2100之间。")],
                        description="留空则按通知标题中的年度")
    text = TextAreaField("通知全文", render_kw={"rows": 12},
                         description="从中国政府网复制《国务院办公厅关于20XX年部分节假日安排的通知》全文（含标题）粘贴在这里")
    source = StringField("发文字号", validators=[Optional()], description="如 国办发明电〔2026〕×号；留空则记为该通知的标题")
    confirmed = HiddenField()  # the text previewed, carried to the confirmation and parsed again there


def parse_day_lines(text: str, year: int, default_name: str) -> tuple[list[tuple[date, str]], list[str]]:
    """Lines like `2027-01-01 元旦` or `2027-10-01~2027-10-07 国庆节` -> [(date, name)], [errors]."""
    days: list[tuple[date, str]] = []
    errors: list[str] = []
    seen = set()
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            errors.append(f"第{n}行“{line}”看不懂：应写成 2027-01-01 元旦 或 2027-10-01~2027-10-07 国庆节。")
            continue
        g = m.groups()
        try:
            start = date(int(g[0]), int(g[1]), int(g[2]))
            end = date(int(g[3]), int(g[4]), int(g[5])) if g[3] else start
        except ValueError:
            errors.append(f"第{n}行“{line}”中的日期不存在。")
            continue
        if end < start or (end - start).days > 31:
            errors.append(f"第{n}行“{line}”的起止日期不对。")
            continue
        if start.year != year or end.year != year:
            errors.append(f"第{n}行“{line}”不属于{year}年。")
            continue
        name = g[6].strip() or default_name
        cur = start
        while cur <= end:
            if cur in seen:
                errors.append(f"第{n}行：{cur.isoformat()} 重复录入。")
            seen.add(cur)
            days.append((cur, name[:50]))
            cur += timedelta(days=1)
    return days, errors


def _package_days(year: int) -> tuple[str, str]:
    """The package's holidays and 调休 days of a year, as text lines (to start editing from)."""
    hol = sorted((d, n) for d, n in chinese_calendar.holidays.items() if d.year == year and d.weekday() < 5)
    work = sorted((d, n) for d, n in chinese_calendar.workdays.items() if d.year == year and d.weekday() >= 5)
    name = lambda n: workcal.HOLIDAY_NAMES_CN.get(getattr(n, "value", n), getattr(n, "value", n) or "")  # noqa: E731
    return ("\n".join(f"{d.isoformat()} {name(n)}" for d, n in hol),
            "\n".join(f"{d.isoformat()} {name(n)}调休".strip() for d, n in work))


def _admin_days(year: int) -> tuple[str, str]:
    rows = db.session.scalars(select(workcal.CalendarDay).where(
        workcal.CalendarDay.day >= date(year, 1, 1), workcal.CalendarDay.day <= date(year, 12, 31))
        .order_by(workcal.CalendarDay.day)).all()
    return ("\n".join(f"{r.day.isoformat()} {r.name}" for r in rows if r.kind == "holiday"),
            "\n".join(f"{r.day.isoformat()} {r.name}" for r in rows if r.kind == "workday"))


def save_year(year: int, holidays_text: str, workdays_text: str, source: str = "",
              said: list[str] | None = None) -> list[str]:
    """Check and record a year's holidays and 调休 working days; returns errors (nothing written if any). `said`
    collects what the parts waiting for the year report (deadlines computed)."""
    holidays, errors = parse_day_lines(holidays_text, year, "法定节假日")
    workdays, errors2 = parse_day_lines(workdays_text, year, "调休")
    errors += errors2
    for d, _ in workdays:
        if d.weekday() < 5:
            errors.append(f"{d.isoformat()} 是星期{workcal.WEEKDAYS_CN[d.weekday()]}，本来就是工作日，不必录入为调休上班。")
    both = {d for d, _ in holidays} & {d for d, _ in workdays}
    for d in sorted(both):
        errors.append(f"{d.isoformat()} 同时录入为放假和上班。")
    if not holidays:
        errors.append("至少录入一个放假日期（元旦、春节、国庆等）。")
    if errors:
        return errors
    before = _admin_days(year)
    reported = workcal.enter_year(year, holidays, workdays, source=source.strip())
    if said is not None:
        said.extend(reported)
    audit.record("enter_year", record_type="calendar_year", record_id=year,
                 summary=f"录入{year}年节假日{len(holidays)}天、调休上班{len(workdays)}天" + (f"（{source}）" if source else ""),
                 before={"holidays": before[0], "workdays": before[1]} if any(before) else None,
                 after={"holidays": [f"{d} {n}" for d, n in holidays], "workdays": [f"{d} {n}" for d, n in workdays]})
    return []


@bp.route("/", methods=["GET", "POST"])
@allows("workcal.manage")
def index():
    form = YearForm()
    errors: list[str] = []
    if form.validate_on_submit():
        said: list[str] = []
        errors = save_year(form.year.data, form.holidays.data, form.workdays.data, form.source.data or "", said)
        if not errors:
            flash(f"已保存{form.year.data}年的节假日安排，此后该年按录入的安排计算工作日。" + "".join(said), "success")
            return redirect(url_for("workcal.index", year=form.year.data))
    elif request.method == "GET":
        year = int_arg("year")
        if year:
            form.year.data = year
            entered = db.session.get(workcal.CalendarYear, year)
            if entered is not None:
                form.holidays.data, form.workdays.data = _admin_days(year)
                form.source.data = entered.source
            elif workcal.package_first_year() <= year <= workcal.package_last_year():
                form.holidays.data, form.workdays.data = _package_days(year)

    entered_years = []
    for cy in db.session.scalars(select(workcal.CalendarYear).order_by(workcal.CalendarYear.year)):
        counts = dict(db.session.execute(
            select(workcal.CalendarDay.kind, func.count()).where(
                workcal.CalendarDay.day >= date(cy.year, 1, 1), workcal.CalendarDay.day <= date(cy.year, 12, 31))
            .group_by(workcal.CalendarDay.kind)).all())
        entered_years.append((cy, counts.get("holiday", 0), counts.get("workday", 0)))

    from .timeutil import today

    this_year = today().year
    upcoming = [(y, workcal.year_known(y)) for y in range(this_year - 1, this_year + 3)]
    check = None
    check_text = request.args.get("date", "").strip()
    if check_text:
        try:
            check = workcal.describe(date.fromisoformat(check_text))
        except ValueError:
            check = f"“{check_text}”不是日期，应写成 2021-10-01。"
    notice_form = NoticeForm(formdata=None, prefix="notice")  # empty: the year comes from the notice's title
    return render_template("workcal/index.html", form=form, errors=errors, entered_years=entered_years,
                           notice_form=notice_form,
                           first=workcal.package_first_year(), last=workcal.package_last_year(),
                           upcoming=upcoming, check=check, check_text=check_text)


@bp.route("/notice", methods=["POST"])
@allows("workcal.manage")
def notice():
    """Paste the notice → preview (12 month grids and what was understood per holiday) → confirm → saved."""
    form = NoticeForm(prefix="notice")  # (its ids differ from the day-by-day form's on the same page)
    if not form.validate_on_submit():
        flash("；".join(e for errs in form.errors.values() for e in errs) or "请重新提交。", "danger")
        return redirect(url_for("workcal.index"))
    confirming = bool(form.confirmed.data)
    text = form.confirmed.data if confirming else (form.text.data or "")
    try:
        parsed = holiday_notice.parse_notice(text, form.year.data or None)
    except holiday_notice.NoticeError as exc:
        form.text.data, form.confirmed.data = text, ""
        return render_template("workcal/notice.html", form=form, notice=None, error=str(exc))
    if confirming:
        said = holiday_notice.enter_notice(parsed, (form.source.data or "").strip())
        flash(f"已按通知录入{parsed.year}年的节假日安排（放假{len(parsed.holidays)}天、调休上班{len(parsed.workdays)}天）。"
              + "".join(said), "success")
        return redirect(url_for("workcal.index", year=parsed.year))
    form.year.data = parsed.year  # confirmed for this year only: a text of another year is refused on confirm
    form.confirmed.data = text
    replaces = workcal.year_known(parsed.year)
    return render_template("workcal/notice.html", form=form, notice=parsed, error=None, replaces=replaces,
                           grids=holiday_notice.month_grids(parsed.year, parsed.holidays, parsed.workdays))
