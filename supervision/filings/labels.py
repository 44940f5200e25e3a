"""What the audit log shows for the filing registers in Chinese."""
from ..audit import register_labels
from .models import EVENT_ACTIONS, NormativeStatus, PenaltyStatus, Validity

register_labels(
    record_types={"penalty_filing": "重大行政处罚备案", "normative_filing": "规范性文件备案",
                  "filing_settings": "备案设置"},
    actions={f"filing.{k}": v for k, v in {**EVENT_ACTIONS, "create": "新建备案", "update": "修改"}.items()},
)
register_labels(("penalty_filing",), fields={
    "status": "状态", "number": "备案号", "decision_number": "决定书文号", "party_name": "当事人",
    "party_id_masked": "证件号码（已遮挡）", "cause": "案由", "penalty": "处罚种类和金额", "decision_date": "决定日期",
    "filed_on": "报送日期", "reason": "理由", "legality_note": "合法性审查意见", "appropriateness_note": "适当性审查意见",
    "letter_id": "意见书", "visit_id": "检查记录", "party_kind": "当事人类型"},
    values={"status": PenaltyStatus})
register_labels(("normative_filing",), fields={
    "status": "状态", "number": "备案号", "title": "标题", "doc_number": "文号", "published_on": "发布日期",
    "effective_on": "施行日期", "filed_on": "报送日期", "reason": "理由", "validity": "清理结论",
    "validity_on": "清理日期", "letter_id": "意见书", "visit_id": "检查记录"},
    values={"status": NormativeStatus, "validity": Validity})
register_labels(("filing_settings",), fields={"penalty_days": "重大行政处罚备案期限（日）",
                                              "normative_days": "规范性文件备案期限（日）"})
