"""Free text on its way to paper, cleaned once when it is saved (no database, no Flask).

Findings arrive pasted from Word or WPS lists and carry what prints as nothing or as a box: zero-width
characters, soft hyphens, a BOM, Word's private-use bullet glyphs (U+F0B7 ), bullets with a tab, no-break
and ideographic spaces at line ends, CRLF line ends, and half-width punctuation typed between Chinese
characters. `normalise` turns all that into the plain text the letter prints; it is idempotent.

`unprintable_report` says, for a character the font cannot print, where it is in words a reviewer can act on.
"""
from __future__ import annotations

import re
import unicodedata

# Gone without a trace: zero-width space / non-joiner / joiner, word joiner, BOM, soft hyphen, LRM/RLM.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
# Spaces of other widths: a normal space (the ideographic space U+3000 stays inside a line — it is a 全角 space
# that has its uses — but not at a line's end).
ODD_SPACES = dict.fromkeys(map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                                    "\u202f\u205f\t\u000b\u000c"), " ")
# Bullets at a line's start, with the spaces or tab after them: Word's Symbol/Wingdings bullets (private use
# area, U+F0xx) and the visible ones.
BULLET_START = re.compile(r"^[ \t\u3000]*(?:[\ue000-\uf8ff●▪•·◆◇■□○◎►▶➢※][ \t\u3000]*|[-–*][ \t\u3000]+)(?=\S)",
                          re.MULTILINE)
PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
CJK = r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’]"
HALF_TO_FULL = {",": "，", ".": "。", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
# A half-width mark with Chinese on both sides (ignoring spaces around it).
BETWEEN = re.compile(rf"(?<={CJK})[ ]*([,.:;?!()])[ ]*(?={CJK})")
# A half-width mark after Chinese at the end of a line, or a bracket before Chinese at its start.
AT_END = re.compile(rf"(?<={CJK})[ ]*([,.:;?!)])[ ]*$", re.MULTILINE)
# Spaces between two Chinese characters or marks: Chinese prints none there.
SPACE_BETWEEN = re.compile(rf"(?<={CJK})[ ]+(?={CJK})")
OPEN_BEFORE = re.compile(rf"(?:(?<=^)|(?<=[ ]))\(([ ]*)(?={CJK})", re.MULTILINE)


def normalise(text: str | None) -> str:
    """The text as it should be stored and printed (see the module's docstring)."""
    if not text:
        return ""
    t = unicodedata.normalize("NFC", str(text))
    t = t.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    t = t.translate(INVISIBLE)
    t = BULLET_START.sub("", t)
    t = PRIVATE_USE.sub("", t)  # a private-use glyph elsewhere prints as a box, or not at all
    t = t.translate(ODD_SPACES)
    t = BETWEEN.sub(lambda m: HALF_TO_FULL[m.group(1)], t)
    t = AT_END.sub(lambda m: HALF_TO_FULL[m.group(1)], t)
    t = OPEN_BEFORE.sub("（", t)
    t = SPACE_BETWEEN.sub("", t)
    lines = [re.sub(r" {2,}", " ", line).strip(" \u3000") for line in t.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def context(text: str, ch: str, width: int = 8) -> str:
    """The words around the first `ch` in `text`: ……前后各八个字……"""
    i = text.find(ch)
    if i < 0:
        return ""
    start, end = max(0, i - width), min(len(text), i + width + 1)
    return ("……" if start else "") + text[start:end] + ("……" if end < len(text) else "")


def describe_char(ch: str) -> str:
    """“X”（U+XXXX）, or a name for a character that shows as nothing."""
    if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Zs") or not ch.isprintable():
        return f"不可见字符（{code_point(ch)}）"
    return f"“{ch}”（{code_point(ch)}）"
