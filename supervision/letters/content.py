"""What a letter says, as plain data: rendered by pdf.py and docx.py, frozen as JSON at issue."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date

from .text import addressee_line, problem_paragraph


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
                        self.authority, self.contact])

    def to_json(self) -> str:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> "LetterContent":
        data = json.loads(raw)
        data.setdefault("style", 1)
        if data.get("date"):
            data["date"] = date.fromisoformat(data["date"])
        return cls(**data)
