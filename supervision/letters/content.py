"""What a letter says, as plain data: rendered by pdf.py and docx.py, frozen as JSON at issue."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date

from .text import addressee_line, paper_date, problem_paragraph


@dataclass
class LetterContent:
    title: str  # 行政执法监督意见书
    number: str  # 鲁政行监字〔2021〕7号; "" for a draft
    addressee: str  # the unit's name
    intro: str  # 你单位××××案（…）经审查后发现： / the plain opening
    problems: list[str] = field(default_factory=list)  # each problem's text, without 一是
    request: str = ""  # 请你单位接到本通知后……
    authority: str = ""  # 鲁山县法治政府建设领导小组办公室
    date: date | None = None  # 成文日期
    contact: str = ""  # （联系人：×××，联系方式：×××）
    draft: bool = False
    # How the content is laid out: 2 = a single problem without 一是 (issue 16). Content frozen before that has no
    # such key and reads as 1, so its Word copy keeps the wording of its stored PDF.
    style: int = 2
    # Optional 版头 and 版记 (GB/T 9704-2012 7.2 and 7.4), settings of the letter type read at issue and frozen here
    # with the rest: content frozen before they existed reads as neither (附件三's format).
    masthead: str = ""  # 发文机关标志 (鲁山县司法局文件); empty = no 版头
    colophon: bool = False  # 版记 at the foot of the last (even) page
    copy_to: str = ""  # 抄送机关, without 抄送： and the closing 。
    printer: str = ""  # 印发机关
    print_date: date | None = None  # 印发日期 (the 成文日期)

    def body_paragraphs(self) -> list[str]:
        """The paragraphs after the addressee line, each indented two characters."""
        out = [self.intro] if self.intro else []
        # One problem is stated as it is: 一是 would promise a 二是 that never comes.
        lead = len(self.problems) > 1 or self.style < 2
        out += [problem_paragraph(i, p, lead) for i, p in enumerate(self.problems, start=1)]
        if self.request:
            out.append(self.request)
        return out

    def addressee_text(self) -> str:
        return addressee_line(self.addressee)

    def all_text(self) -> str:
        return "".join([self.title, self.number, self.addressee_text(), *self.body_paragraphs(),
                        self.authority, self.contact, self.masthead, self.copy_line(), self.printer])

    def copy_line(self) -> str:
        """抄送：A、B。 (GB/T 9704-2012 7.4.2: a full stop after the last), or "" when the 版记 has none."""
        if not (self.colophon and self.copy_to):
            return ""
        names = self.copy_to.strip().rstrip("。.；;，,、")
        return f"抄送：{names}。"

    def print_line_date(self) -> str:
        """2021年4月9日印发: the 印发日期 (7.4.3), the 成文日期 unless set otherwise."""
        day = self.print_date or self.date
        return f"{paper_date(day)}印发" if day else ""

    def to_json(self) -> str:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["print_date"] = self.print_date.isoformat() if self.print_date else None
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> "LetterContent":
        data = json.loads(raw)
        data.setdefault("style", 1)
        if data.get("date"):
            data["date"] = date.fromisoformat(data["date"])
        if data.get("print_date"):
            data["print_date"] = date.fromisoformat(data["print_date"])
        return cls(**data)
