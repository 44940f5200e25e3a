"""Time in Asia/Shanghai, and dates printed the Chinese way."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """Aware current time in Asia/Shanghai."""
    return datetime.now(TZ)


def utcnow() -> datetime:
    """Naive UTC time, the form stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    return now().date()


def to_local(dt: datetime | None) -> datetime | None:
    """Stored naive-UTC datetime -> aware Asia/Shanghai datetime."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(TZ)


def cn_date(d: date | datetime | None) -> str:
    """2021年4月9日 — no leading zeros, as on an official document."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = to_local(d).date()
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(dt: datetime | None) -> str:
    """2021年4月9日 14:05 in Asia/Shanghai."""
    if dt is None:
        return ""
    local = to_local(dt)
    return f"{cn_date(local.date())} {local:%H:%M}"
