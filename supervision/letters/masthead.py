"""Optional 版头 and 版记 of a letter type (GB/T 9704-2012 7.2 and 7.4): the settings, their checks, what a letter's
content takes from them at issue, and the settings page's preview.

Both are off by default: 附件三's 行政执法监督意见书 has neither. When on, the type's settings are copied into the
letter's content when it is built (service.build_content) and frozen with it at issue, exactly as the 署名 is:
changing a type's settings never alters an issued letter, whose PDF is stored and whose Word copy is made from the
frozen content. The drawing itself is in pdf.py and docx.py.
"""
from __future__ import annotations

from datetime import date

from ..audit import register_labels
from ..directory.queries import profile as current_profile
from .papertext import normalise
from .text import paper_date

# The letter type's columns (models.LetterType), in the order the audit log and the form show them.
FIELDS = ("masthead_enabled", "masthead_text", "colophon_enabled", "copy_to", "printer")
TEXT_FIELDS = ("masthead_text", "copy_to", "printer")
LIMITS = {"masthead_text": 100, "copy_to": 500, "printer": 100}
LABELS = {"masthead_enabled": "印制版头", "masthead_text": "发文机关标志", "colophon_enabled": "印制版记",
          "copy_to": "抄送机关", "printer": "印发机关"}
register_labels("letter_type", fields=LABELS)  # the audit log shows a type's changes field by field


def clean(data: dict) -> dict:
    """The texts go on paper: cleaned like every other text there, on one line."""
    data = dict(data)
    for f in TEXT_FIELDS:
        if isinstance(data.get(f), str):
            data[f] = " ".join(normalise(data[f]).split("\n")).strip()
    for f in ("masthead_enabled", "colophon_enabled"):
        if f in data:
            data[f] = bool(data[f])
    return data


def check(data: dict, error: type[Exception] = ValueError, existing=None) -> None:
    """Raise `error` for a 版头 without its 发文机关标志, or a text too long for its place (the settings as they
    will be after the change: `existing`'s values where `data` has none)."""
    if existing is not None:
        data = {**{f: getattr(existing, f) for f in FIELDS}, **data}
    if data.get("masthead_enabled") and not (data.get("masthead_text") or "").strip():
        raise error("已选择印制版头，请填写发文机关标志（如 鲁山县司法局文件）。")
    for f, limit in LIMITS.items():
        if len(data.get(f) or "") > limit:
            raise error(f"{LABELS[f]}不能超过{limit}个字。")
    if len((data.get("masthead_text") or "").strip()) > 20:
        raise error("发文机关标志最多20个字（居中排在一行）。")


def content_fields(lt, authority: str, day: date | None) -> dict:
    """The LetterContent fields a letter of type `lt` dated `day` takes from the type's settings now."""
    out: dict = {}
    if getattr(lt, "masthead_enabled", False) and (lt.masthead_text or "").strip():
        out["masthead"] = normalise(lt.masthead_text).strip()
    if getattr(lt, "colophon_enabled", False):
        out["colophon"] = True
        out["copy_to"] = normalise(lt.copy_to or "").strip()
        out["printer"] = normalise(lt.printer or "").strip() or authority
        out["print_date"] = day  # 印发日期: the 成文日期
    return out


def form_data(form) -> dict:
    """The settings as posted on the letter type's form."""
    return {"masthead_enabled": bool(form.masthead_enabled.data), "masthead_text": form.masthead_text.data or "",
            "colophon_enabled": bool(form.colophon_enabled.data), "copy_to": form.copy_to.data or "",
            "printer": form.printer.data or ""}


def preview(form, authority: str, day: date, prefix: str = "") -> dict:
    """What the settings page shows of the 版头 and 版记 as set in the form (saved or not), for a letter dated
    `day`: {} when both are off."""
    data = clean(form_data(form))
    out: dict = {}
    if data["masthead_enabled"] and data["masthead_text"]:
        out["masthead"] = data["masthead_text"]
        out["number"] = f"{prefix}〔{day.year}〕×号"
    if data["colophon_enabled"]:
        names = data["copy_to"].rstrip("。.；;，,、")
        out["copy_line"] = f"抄送：{names}。" if names else ""
        out["printer"] = data["printer"] or authority
        out["print_date"] = f"{paper_date(day)}印发"
    return out


def preview_for(form, lt=None) -> dict:
    """preview() for the letter type's form: the 署名 as typed (else the profile's), a letter dated today."""
    from .. import timeutil

    profile = current_profile()
    authority = normalise(form.issuing_authority.data or "").strip() or normalise(profile.issuing_authority)
    prefix = normalise(form.prefix.data or "").strip() or profile.letter_prefix
    return preview(form, authority, timeutil.today(), prefix)
