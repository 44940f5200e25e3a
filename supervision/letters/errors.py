"""The errors of letters: a rule was broken, or a draft changed under the form. Messages are for the user."""
from __future__ import annotations

from .. import timeutil


class LetterError(ValueError):
    """A rule of letters was broken; the message is for the user."""


class LetterConflict(LetterError):
    """Someone else changed this draft since the form was opened: the message says who, when and what."""

    def __init__(self, letter, changes: list[str], by: str = "", at=None):
        self.letter = letter
        self.current_version = letter.version
        self.changes = changes
        self.by = by
        self.at = at
        who = by or "其他人"
        when = f"于{timeutil.cn_datetime(at)}" if at else ""
        what = "对方的修改：" + "；".join(changes) + "。" if changes else ""
        super().__init__(f"保存被拒绝：{who}{when}已修改了这份草稿，您看到的是旧版本。{what}"
                         "您填写的内容仍保留在下方；核对后再次保存将以您的内容为准。")


