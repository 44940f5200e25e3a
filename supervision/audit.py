"""The audit log: one table, one function every state change calls."""
import enum
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(50), default="")  # kept even if the user is renamed
    record_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[str] = mapped_column(Text, default="")  # JSON
    after: Mapped[str] = mapped_column(Text, default="")  # JSON
    address: Mapped[str] = mapped_column(String(64), default="")

    user = relationship("User")

    @property
    def before_data(self):
        return json.loads(self.before) if self.before else None

    @property
    def after_data(self):
        return json.loads(self.after) if self.after else None


def _dump(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record(action: str, obj=None, *, record_type: str | None = None, record_id: int | None = None,
           summary: str = "", before=None, after=None, user=None) -> AuditEntry:
    """Write one audit entry for a state change: who, when, which record, before/after.

    The caller commits with the change itself, so the entry and the change land together or not at all.
    """
    if obj is not None:
        record_type = record_type or obj.__tablename__
        if record_id is None:
            db.session.flush()
            record_id = obj.id
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "系统",
        record_type=record_type or "",
        record_id=record_id,
        action=action,
        summary=summary[:500],
        before=_dump(before),
        after=_dump(after),
        address=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


def snapshot(obj, fields) -> dict:
    """The named fields of a record, for before/after summaries."""
    return {f: getattr(obj, f) for f in fields}


# ------------------------------------------------------------------------------------------- labels
# Every code the log holds (record types, actions, field names, enum values) is shown to the admin by its Chinese
# label. Each part registers its own labels (its `labels.py`, imported with its models); the log never imports
# the parts. A code nobody registered is shown as a generic Chinese phrase, never as the code.

UNKNOWN_RECORD_TYPE = "其他记录"
UNKNOWN_ACTION = "其他操作"
UNKNOWN_FIELD = "其他信息"
EMPTY = "（空）"

# Verbs every part uses; a part may register more (or a more precise label for its own scope).
ACTIONS: dict[str, str] = {
    "create": "新建", "update": "修改", "delete": "删除", "save": "保存", "submit": "提交", "draft": "起草",
    "activate": "启用", "deactivate": "停用", "import": "导入",
}
RECORD_TYPES: dict[str, str] = {}
# (scope, field) -> label / value formatter / linked-record namer; scope None = any record, else a record type
# or an action code (the more precise scope wins).
FIELDS: dict[tuple[str | None, str], str] = {}
VALUES: dict[tuple[str | None, str], "callable"] = {}
REFS: dict[tuple[str | None, str], "callable"] = {}


def _value_formatter(spec):
    """A LabelledEnum class, a {code: label} dict or a function value -> text, as a function."""
    if isinstance(spec, type) and issubclass(spec, enum.Enum):
        enum_cls = spec

        def by_enum(v):
            try:
                return getattr(enum_cls(v), "label", None)
            except ValueError:
                return None
        return by_enum
    if isinstance(spec, dict):
        return lambda v: spec.get(v) if isinstance(v, (str, int, bool)) else None
    return spec


def register_labels(scope: str | tuple | None = None, *, record_types: dict | None = None, actions: dict | None = None,
                    fields: dict | None = None, values: dict | None = None, refs: dict | None = None) -> None:
    """Register a part's labels for the audit log.

    record_types: {table name: 中文}; actions: {action code: 中文}; fields: {field: 中文};
    values: {field: LabelledEnum class | {code: 中文} | fn(value) -> 中文 or None}; the field "*" stands for a
        before/after that is a plain value or list rather than a record of fields;
    refs: {field: fn(id) -> readable name or None} for fields holding the id of a linked record.
    fields/values/refs apply to `scope` (a record type or an action code, or a tuple of them) or, with scope None,
    everywhere — only for names that mean the same in every part (e.g. unit_id).
    """
    RECORD_TYPES.update(record_types or {})
    ACTIONS.update(actions or {})
    for one in scope if isinstance(scope, tuple) else (scope,):
        for name, label in (fields or {}).items():
            FIELDS[(one, name)] = label
        for name, spec in (values or {}).items():
            VALUES[(one, name)] = _value_formatter(spec)
        for name, fn in (refs or {}).items():
            REFS[(one, name)] = fn


def _scoped(table: dict, scopes, name):
    for scope in scopes:
        if (scope, name) in table:
            return table[(scope, name)]
    return None


def record_type_label(code: str) -> str:
    return RECORD_TYPES.get(code) or (UNKNOWN_RECORD_TYPE if code else "")


def action_label(code: str) -> str:
    return ACTIONS.get(code) or UNKNOWN_ACTION


def _is_code(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_.\-]+", text or ""))


def field_label(name: str, scopes=(None,)) -> str:
    label = _scoped(FIELDS, scopes, name)
    if label:
        return label
    # Keys that are already words a person wrote (check item names, dates) are shown as they are.
    return name if name and not _is_code(name) else UNKNOWN_FIELD


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def format_value(value, name: str | None = None, scopes=(None,)) -> str:
    """One stored value as a person reads it: 2021年4月9日, Beijing time, 是/否, labels, names of linked records."""
    from .timeutil import cn_date, cn_datetime

    if value is None or value == "":
        return EMPTY
    if name is not None and not isinstance(value, (list, dict)):
        fn = _scoped(VALUES, scopes, name)
        if fn is not None:
            text = fn(value)
            if text:
                return text
        ref = _scoped(REFS, scopes, name)
        if ref is not None and isinstance(value, int) and not isinstance(value, bool):
            text = ref(value)
            if text:
                return text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        if not value:
            return "（无）"
        return "、".join(format_value(v, name, scopes) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(k, scopes)}：{format_value(v, k, scopes)}" for k, v in value.items())
    if isinstance(value, str):
        if _DATETIME_RE.fullmatch(value):
            try:
                return cn_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                pass
        if _DATE_RE.fullmatch(value):
            try:
                return cn_date(date.fromisoformat(value))
            except ValueError:
                pass
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str  # its Chinese label
    old: str | None  # None: the field was not there before (a new value only)
    new: str | None  # None: the field is not there after (an old value only)


def changes(entry: AuditEntry) -> list[Change]:
    """The entry's before/after as a field-by-field list: 字段：旧值 → 新值 (unchanged fields left out)."""
    scopes = (entry.action, entry.record_type, None)
    before, after = entry.before_data, entry.after_data
    if not isinstance(before, dict) or not isinstance(after, dict):
        out = []
        if before is not None and not isinstance(before, dict):
            out.append(Change("变更前", format_value(before, "*", scopes), None))
        elif isinstance(before, dict):
            out += [Change(field_label(k, scopes), format_value(v, k, scopes), None) for k, v in before.items()]
        if after is not None and not isinstance(after, dict):
            out.append(Change("变更后" if before is not None else "内容", None, format_value(after, "*", scopes)))
        elif isinstance(after, dict):
            out += [Change(field_label(k, scopes), None, format_value(v, k, scopes)) for k, v in after.items()]
        return out
    out = []
    for k in list(before) + [k for k in after if k not in before]:
        if k in before and k in after:
            if before[k] == after[k]:
                continue
            out.append(Change(field_label(k, scopes), format_value(before[k], k, scopes),
                              format_value(after[k], k, scopes)))
        elif k in before:
            out.append(Change(field_label(k, scopes), format_value(before[k], k, scopes), None))
        else:
            out.append(Change(field_label(k, scopes), None, format_value(after[k], k, scopes)))
    return out
