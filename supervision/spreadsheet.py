"""Shared rules for exported .xlsx files: formulas written as text, and the A4 landscape print set-up."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A string a spreadsheet would run as a formula (= + - @, or a leading tab/CR) gets a leading apostrophe,
    so it is stored and shown as the text that was typed (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def print_a4_landscape(ws, freeze: str, title_rows: str = "1:2") -> None:
    """Freeze the title and header rows, repeat them on every page, and fit the width to A4 landscape."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws.freeze_panes = freeze
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
