"""The resolved schedule written out: an .xlsx workbook and an inspector's .ics calendar feed."""
import io
from datetime import datetime, timedelta, timezone

from ..spreadsheet import neutralise
from ..timeutil import cn_date
from . import queries
from .models import Slot

EXPORT_HEADER = ["月份", "周次", "开始日期", "结束日期", "受监督单位", "乡镇/县直", "牵头科室", "检查人员", "状态", "日历提示"]


def export_xlsx(year: int) -> bytes:
    """One row per slot; the first three header names make the file loadable again as a plan table."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    slots, units = queries.year_plan(year)
    statuses = queries.slot_statuses(slots, units=units)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"{year}年计划"
    ws.append(EXPORT_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    cals = queries.week_calendars(slots)
    for s in slots:
        cal = cals[s.id]
        note = cal.message
        if s.dates_overridden:
            note = ("日期已人工调整" + (f"：{s.override_note}" if s.override_note else "") + ("；" + note if note else ""))
        ws.append([neutralise(v) for v in (
            s.month_label, s.week_label, cn_date(s.start_date), cn_date(s.end_date),
            "\n".join(u.name for u in units[s.id]), "、".join(u.kind for u in units[s.id]),
            s.lead_office.name if s.lead_office else "", "、".join(u.name for u in s.inspectors),
            statuses[s.id].label, note,
        )])
    widths = [8, 8, 16, 16, 36, 10, 20, 20, 12, 40]
    for i, w in enumerate(widths):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = w
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545: lines longer than 75 octets continue on the next line after one space."""
    out, cur = [], ""
    for ch in line:
        if len((cur + ch).encode("utf-8")) > (75 if not out else 74):
            out.append(cur)
            cur = ch
        else:
            cur += ch
    out.append(cur)
    return [out[0]] + [" " + part for part in out[1:]]


def slot_event(slot: Slot, host: str, stamp: datetime) -> list[str]:
    units = "、".join(u.name for u in slot.units)
    desc = [f"{slot.title}（{cn_date(slot.start_date)}至{cn_date(slot.end_date)}）日常监督",
            f"受监督单位：{units}"]
    if slot.lead_office:
        desc.append(f"牵头科室：{slot.lead_office.name}")
    if slot.inspectors:
        desc.append("检查人员：" + "、".join(u.name for u in slot.inspectors))
    if slot.dates_overridden:
        desc.append("日期已人工调整" + (f"：{slot.override_note}" if slot.override_note else ""))
    return [
        "BEGIN:VEVENT",
        f"UID:schedule-slot-{slot.id}@{host}",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{slot.start_date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{slot.end_date + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{_ics_escape('日常监督：' + units)}",
        f"DESCRIPTION:{_ics_escape(chr(10).join(desc))}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def ics_for(user, host: str = "supervision") -> str:
    """The inspector's weeks as an iCalendar feed (all-day events Monday to Friday)."""
    stamp = datetime.now(timezone.utc)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//依法行政日常监督系统//schedule//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_ics_escape('日常监督 · ' + user.name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for slot in queries.slots_for_inspector(user):
        lines.extend(slot_event(slot, host, stamp))
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
