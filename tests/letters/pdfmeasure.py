"""Reading a letter's PDF back with pdfium, which places characters exactly (pdfplumber drops character spacing
after a font-subset switch): every page's lines with their characters' origins."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw


@dataclass
class PdfLine:
    text: str
    x0: float  # the first character's origin (pt from the left edge)
    x1: float  # the last character's origin plus its font size: the right edge of its em box
    top: float  # the baseline, pt from the top edge
    size: float


def pdf_pages(data: bytes) -> list[list[PdfLine]]:
    """Each page's lines, top to bottom (characters grouped by baseline)."""
    doc = pdfium.PdfDocument(data)
    pages = []
    try:
        for page in doc:
            height = page.get_height()
            tp = page.get_textpage()
            rows: dict[float, list[tuple[float, str, float]]] = {}
            for i in range(tp.count_chars()):
                ch = tp.get_text_range(i, 1)
                if not ch or ch.isspace():
                    continue
                x, y = ctypes.c_double(), ctypes.c_double()
                raw.FPDFText_GetCharOrigin(tp, i, x, y)
                rows.setdefault(round(height - y.value, 1), []).append((x.value, ch, raw.FPDFText_GetFontSize(tp, i)))
            lines = []
            for top in sorted(rows):
                chars = sorted(rows[top])
                lines.append(PdfLine("".join(c for _, c, _ in chars), chars[0][0], chars[-1][0] + chars[-1][2], top,
                                     max(s for _, _, s in chars)))
            pages.append(lines)
    finally:
        doc.close()
    return pages


def metadata(data: bytes) -> dict:
    doc = pdfium.PdfDocument(data)
    try:
        return doc.get_metadata_dict()
    finally:
        doc.close()
