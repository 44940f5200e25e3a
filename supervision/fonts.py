"""TrueType CJK fonts for documents printed by the app (opinion letters and the like).

Lookup order for each role ("body" = 仿宋 for the text, "title" = 小标宋 for the heading):

1. the files listed in config ``FONT_PATHS`` (in the given order; ``path`` or ``path#index`` for .ttc);
2. ``instance/fonts/`` — where the office drops its licensed 仿宋_GB2312 / 方正小标宋 files: the
   well-known file names of the role first, then any other .ttf/.ttc there;
3. common system locations: Windows (``C:\\Windows\\Fonts\\simfang.ttf``, ``simsun.ttc``,
   ``simhei.ttf``) and Debian (``fonts-arphic-uming`` "AR PL UMing", ``fonts-wqy-zenhei``).

A file ReportLab cannot load (e.g. CFF-outline OpenType such as Noto CJK) is skipped.

ReportLab draws a character missing from the font as nothing at all, so every text is checked with
:func:`check_coverage` before drawing; a gap raises :class:`MissingGlyphs`, which names the characters
and the font.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Iterable

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

ROLES = ("body", "title")

# Well-known file names per role, best first (matched case-insensitively in instance/fonts/).
PREFERRED_NAMES = {
    "body": (
        "仿宋_GB2312.ttf", "仿宋_gb2312.ttf", "FangSong_GB2312.ttf", "fsgb2312.ttf", "方正仿宋_GBK.ttf",
        "FZFSK.TTF", "方正仿宋简体.ttf", "FZFSJW.TTF", "simfang.ttf", "仿宋.ttf", "STFANGSO.TTF",
    ),
    "title": (
        "方正小标宋简体.ttf", "方正小标宋_GBK.ttf", "FZXBSJW.TTF", "FZXBSK.TTF", "FZXiaoBiaoSong-B05S.ttf",
        "simsun.ttc", "simsun.ttf", "宋体.ttf", "simhei.ttf", "黑体.ttf",
    ),
}

# System locations per role, best first: (path, subfont index).
SYSTEM_FONTS = {
    "body": (
        ("C:\\Windows\\Fonts\\simfang.ttf", 0),
        ("C:\\Windows\\Fonts\\simsun.ttc", 0),
        ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ),
    "title": (
        ("C:\\Windows\\Fonts\\simsun.ttc", 0),
        ("C:\\Windows\\Fonts\\simhei.ttf", 0),
        ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ),
}

# Faces heavy enough for a title as they are; any other face gets a drawn (stroked) bold.
HEAVY_FACE_HINTS = ("xiaobiaosong", "xbs", "小标宋", "hei", "黑")

DEBIAN_HINT = "Debian/Ubuntu 上可安装 fonts-arphic-uming（apt-get install fonts-arphic-uming）"


class FontError(RuntimeError):
    """No usable font; the message says what to install and where."""


class MissingGlyphs(FontError):
    """The font lacks characters of the text. ReportLab would leave them blank, so we refuse."""

    def __init__(self, chars: Iterable[str], font: "ResolvedFont"):
        self.chars = "".join(sorted(set(chars)))
        self.font = font
        super().__init__(
            f"字体“{font.family}”（{font.path}）缺少以下字符：{self.chars}。"
            f"未生成文档，也未占用文号。请把包含这些字符的字体（如方正仿宋_GBK）放入 instance/fonts/，"
            f"或在配置 FONT_PATHS 中指定；{DEBIAN_HINT}。"
        )


@dataclass(frozen=True)
class ResolvedFont:
    role: str
    name: str  # the name registered with ReportLab
    family: str  # the face's own name, e.g. "AR PL UMing CN"
    path: str
    index: int
    source: str  # config / instance / system
    heavy: bool = False  # True for a face that is bold by design (小标宋, 黑体)

    @property
    def face(self):
        return pdfmetrics.getFont(self.name).face

    def missing(self, text: str) -> str:
        cmap = self.face.charToGlyph
        return "".join(sorted({c for c in text if not c.isspace() and ord(c) not in cmap}))


@dataclass
class FontSet:
    body: ResolvedFont
    title: ResolvedFont
    tried: list[str] = field(default_factory=list)

    def check(self, body_text: str, title_text: str = "") -> None:
        """Raise MissingGlyphs for the first font that lacks a character of its text."""
        if self.title.name == self.body.name:
            check_coverage(self.body, body_text + title_text)
            return
        check_coverage(self.body, body_text)
        check_coverage(self.title, title_text)


def check_coverage(font: ResolvedFont, text: str) -> None:
    missing = font.missing(text)
    if missing:
        raise MissingGlyphs(missing, font)


def _split(spec: str) -> tuple[str, int]:
    if "#" in spec:
        path, _, idx = spec.rpartition("#")
        if idx.isdigit():
            return path, int(idx)
    return spec, 0


def candidates(role: str, font_paths: Iterable[str] | dict = (),
               instance_path: str | None = None) -> list[tuple[str, int, str]]:
    """Every (path, index, source) to try for a role, in lookup order; files need not exist."""
    out: list[tuple[str, int, str]] = []
    if isinstance(font_paths, dict):  # {"body": [...], "title": [...]}
        specs = [str(s) for s in font_paths.get(role, ())]
    else:  # one list for both roles: the files whose names suit the role come first
        specs = [str(s) for s in (font_paths or ())]
        wanted = {n.lower() for n in PREFERRED_NAMES[role]}
        specs.sort(key=lambda s: os.path.basename(_split(s)[0]).lower() not in wanted)
    for spec in specs:
        path, idx = _split(spec)
        out.append((path, idx, "config"))
    if instance_path:
        folder = os.path.join(instance_path, "fonts")
        if os.path.isdir(folder):
            files = sorted(f for f in os.listdir(folder) if f.lower().endswith((".ttf", ".ttc", ".otf")))
            lower = {f.lower(): f for f in files}
            chosen = [lower[n.lower()] for n in PREFERRED_NAMES[role] if n.lower() in lower]
            for f in chosen + [f for f in files if f not in chosen]:
                out.append((os.path.join(folder, f), 0, "instance"))
    for path, idx in SYSTEM_FONTS[role]:
        out.append((path, idx, "system"))
    return out


def _register(path: str, idx: int, role: str, source: str) -> ResolvedFont:
    key = hashlib.sha1(f"{os.path.abspath(path)}#{idx}".encode()).hexdigest()[:10]
    name = f"CJK-{key}"
    try:
        font = pdfmetrics.getFont(name)
    except KeyError:
        font = TTFont(name, path, subfontIndex=idx)
        pdfmetrics.registerFont(font)
    face = font.face
    family = getattr(face, "familyName", b"") or getattr(face, "name", b"") or os.path.basename(path)
    if isinstance(family, bytes):
        family = family.decode("utf-8", "replace")
    probe = (family + " " + os.path.basename(path)).lower()
    heavy = role == "title" and any(h in probe for h in HEAVY_FACE_HINTS)
    return ResolvedFont(role=role, name=name, family=family, path=path, index=idx, source=source, heavy=heavy)


def resolve(role: str, font_paths: Iterable[str] = (), instance_path: str | None = None,
            tried: list[str] | None = None) -> ResolvedFont:
    """The first loadable font for role in lookup order; FontError naming every place tried."""
    if role not in ROLES:
        raise ValueError(role)
    notes = tried if tried is not None else []
    for path, idx, source in candidates(role, font_paths, instance_path):
        if not os.path.isfile(path):
            notes.append(f"{path}：不存在")
            continue
        try:
            return _register(path, idx, role, source)
        except (TTFError, OSError, ValueError, KeyError, IndexError) as exc:
            notes.append(f"{path}：无法使用（{exc}）")
    raise FontError(
        "找不到可用于生成公文的中文 TrueType 字体。" + DEBIAN_HINT
        + "，或把授权的仿宋_GB2312 / 方正小标宋字体放入 instance/fonts/。已尝试：" + "；".join(notes)
    )


def font_set(app=None) -> FontSet:
    """The body and title fonts for this app (config FONT_PATHS, instance/fonts, system)."""
    if app is None:
        from flask import current_app

        app = current_app
    paths = app.config.get("FONT_PATHS") or []
    tried: list[str] = []
    body = resolve("body", paths, app.instance_path, tried)
    title = resolve("title", paths, app.instance_path, tried)
    return FontSet(body=body, title=title, tried=tried)
