"""What the audit log shows for inspection visits, their problems and the check catalogue in Chinese."""
from ..audit import register_labels
from ..extensions import db
from ..labels import quoted
from .models import Disposition, Method, Problem, Rating, VisitKind, VisitStatus

SCOPES = ("visit", "problem", "check_catalogue")


def problem_name(problem_id: int) -> str | None:
    p = db.session.get(Problem, problem_id)
    if p is None:
        return None
    text = p.description or ""
    return quoted(text[:30] + ("…" if len(text) > 30 else ""))


register_labels(
    record_types={"visit": "检查记录", "problem": "问题", "check_catalogue": "检查内容目录", "check_item": "检查项目",
                  "check_subpoint": "检查要点", "visit_rating": "检查评定", "attachment": "附件"},
    actions={"rate": "评定", "amend": "修改已提交记录"},
)
register_labels(SCOPES, fields={
    "kind": "监督类型", "status": "状态", "unit": "单位", "visit_date": "检查日期", "slot_id": "检查周",
    "catalogue": "检查内容目录", "subject": "检查主题", "inspectors": "检查人员", "methods": "检查方式",
    "case_files": "调阅案卷", "test": "法律知识考核", "takers": "参考人数", "average": "平均分",
    "lowest": "最低分", "summary": "检查小结", "ratings": "评定", "rating": "评定", "note": "说明",
    "problems": "问题", "id": "编号", "item": "检查项目", "subpoint": "检查要点", "description": "问题描述",
    "evidence": "证据", "case_file": "案卷", "disposition": "处理方式", "fix_action": "整改措施",
    "attachments": "附件", "amend_reason": "修改理由", "year": "年度", "version": "版本", "items": "检查项目",
    "name": "名称", "subpoints": "检查要点", "seq": "序号"},
    values={"kind": VisitKind, "status": VisitStatus, "rating": Rating, "disposition": Disposition,
            "methods": Method})
register_labels("problem", fields={"id": "问题编号"})
register_labels(fields={"problem_id": "问题"}, refs={"problem_id": problem_name})
