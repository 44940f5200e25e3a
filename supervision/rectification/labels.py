"""What the audit log shows for rectification (整改) and 自查 in Chinese."""
from ..audit import register_labels
from ..extensions import db
from ..letters.models import LetterProblem
from ..timeutil import cn_date
from ..visits.models import Visit
from .models import DRAFT, SUBMITTED, Decision, ExtensionStatus, SiteResult

REPLY_STATUS = {DRAFT: "草稿", SUBMITTED: "已报送"}
ACTIONS = {"rect.reply_draft": "保存整改答复草稿", "rect.reply_attachment_delete": "删除答复附件",
           "rect.report_draft": "保存整改报告草稿", "rect.close": "整改办结", "rect.submit": "报送整改情况",
           "rect.accept": "整改通过", "rect.return": "退回修改", "rect.site_check": "安排实地查验",
           "rect.site_result": "实地查验结果", "rect.extension_request": "申请延期",
           "rect.extension_decide": "审批延期"}


def letter_problem_name(problem_id: int) -> str | None:
    problem = db.session.get(LetterProblem, problem_id)
    return f"第{problem.position}个问题" if problem is not None else None


def visit_name(visit_id: int) -> str | None:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        return None
    return f"{cn_date(visit.visit_date)}的检查记录"


register_labels(
    record_types={"rect_submission": "整改报送", "rect_reply": "整改答复", "rect_extension": "延期申请",
                  "rect_self_inspection": "自查材料", "rect_closure": "整改办结"},
    actions=ACTIONS,
)
register_labels((*ACTIONS, "rect_self_inspection"), fields={
    "closed_at": "办结时间", "closed_by": "办结人", "state": "状态", "submission": "报送", "round": "轮次",
    "submitted_on": "报送日期", "deadline": "整改期限", "days_late": "迟报天数", "on_behalf": "纸质代录",
    "replies": "答复", "reply": "答复", "problem": "问题", "text": "整改情况", "measures": "整改措施",
    "decision": "审核结论", "decision_note": "审核意见", "site_visit": "实地查验", "site_result": "查验结果",
    "extension": "延期申请", "requested_date": "申请延至", "note": "意见", "attachment": "附件",
    "report_text": "自查报告", "plan_text": "工作计划", "attachments_added": "新增附件", "report": "整改报告",
    "attachments": "附件", "status": "状态", "report_file": "盖章扫描件"},
    values={"decision": Decision.LABELS, "site_result": SiteResult.LABELS, "state": REPLY_STATUS,
            "status": REPLY_STATUS},
    refs={"problem": letter_problem_name, "site_visit": visit_name})
register_labels(("rect.extension_request", "rect.extension_decide"), fields={"status": "审批结果"},
                values={"status": ExtensionStatus.LABELS})
