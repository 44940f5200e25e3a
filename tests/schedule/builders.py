"""Build plan-table files in the shapes people produce, from the shipped 2021 table."""
import csv
import io
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAN_2021 = os.path.join(ROOT, "schedules", "2021.csv")


def blocks_2021():
    """[(month text, [(week text, [unit names])])] exactly as the shipped table lists them."""
    with open(PLAN_2021, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["月份", "周次", "受监督单位"]
    out = []
    for month, week, units in rows[1:]:
        if month:
            out.append((month, []))
        out[-1][1].append((week, units.split("、")))
    return out


def flat(blocks):
    return [(m, w, units) for m, weeks in blocks for w, units in weeks]


def csv_bytes(blocks, encoding="utf-8", separators=("、", "，", ";", "\n")):
    """月份,周次,受监督单位; month only on the first row of its block; units of a week in one cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["月份", "周次", "受监督单位"])
    for i, (m, weeks) in enumerate(blocks):
        for j, (w, units) in enumerate(weeks):
            writer.writerow([m if j == 0 else "", w, separators[(i + j) % len(separators)].join(units)])
    return buf.getvalue().encode(encoding)


def xlsx_merged(blocks):
    """The annex as an Excel sheet: 时间 over two columns, month merged down its block, two unit columns."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "计划表"
    ws.append(["依法行政日常监督分组计划表"])
    ws.merge_cells("A1:D1")
    ws.append(["时间", None, "受监督单位", None])
    ws.merge_cells("A2:B2")
    ws.merge_cells("C2:D2")
    r = 3
    for m, weeks in blocks:
        first = r
        for w, units in weeks:
            ws.cell(r, 1, m if r == first else None)
            ws.cell(r, 2, w)
            if len(units) == 1:
                ws.cell(r, 3, units[0])
                ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=4)
            else:
                ws.cell(r, 3, units[0])
                ws.cell(r, 4, units[1])
            r += 1
        if r - 1 > first:
            ws.merge_cells(start_row=first, start_column=1, end_row=r - 1, end_column=1)
    ws.cell(r + 1, 1, "注：共计有县直单位35家、乡镇20家。")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_rows(blocks):
    """One unit per row; month and week written only on the first row of their block (numbers: 3, 第1周)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["月份", "周次", "受监督单位"])
    cn = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
    months = {"三月": 3, "四月": 4, "五月": 5, "六月": 6, "七月": 7, "八月": 8, "九月": 9, "十月": 10, "十一月": 11,
              "十二月": 12}
    for m, weeks in blocks:
        for j, (w, units) in enumerate(weeks):
            for k, unit in enumerate(units):
                ws.append([months[m] if j == 0 and k == 0 else None, f"第{cn[w[1]]}周" if k == 0 else None, unit])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_annex(blocks, repeat_header_before=("七月", "第三周")):
    """The Word annex: 时间 spans two columns, months merged vertically, single units span both unit columns,
    and the header row repeated mid-table (with the month written again), as in the real document."""
    import docx

    document = docx.Document()
    document.add_paragraph("附件一：")
    document.add_paragraph("依法行政日常监督分组计划表")
    rows = []  # (month text or None for continuation, week, units, header?)
    for m, weeks in blocks:
        for j, (w, units) in enumerate(weeks):
            if (m, w) == repeat_header_before:
                rows.append(("HEADER", None, None))
                rows.append((m, w, units))
            else:
                rows.append((m if j == 0 else None, w, units))
    table = document.add_table(rows=1 + len(rows), cols=4)
    table.style = "Table Grid"

    def header(i):
        a = table.cell(i, 0).merge(table.cell(i, 1))
        a.text = "时间"
        b = table.cell(i, 2).merge(table.cell(i, 3))
        b.text = "受监督单位"

    header(0)
    block_start = None
    for i, (m, w, units) in enumerate(rows, start=1):
        if m == "HEADER":
            header(i)
            block_start = None
            continue
        if m is not None:
            table.cell(i, 0).text = m
            block_start = i
        elif block_start is not None:
            table.cell(block_start, 0).merge(table.cell(i, 0))
        table.cell(i, 1).text = w
        if len(units) == 1:
            table.cell(i, 2).merge(table.cell(i, 3)).text = units[0]
        else:
            table.cell(i, 2).text = units[0]
            table.cell(i, 3).text = units[1]
    document.add_paragraph("注：共计有县直单位35家、乡镇20家。")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
