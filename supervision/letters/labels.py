"""What the audit log shows for letters (意见书) and letter types in Chinese."""
from ..audit import register_labels
from ..extensions import db
from ..visits.labels import problem_name
from .models import RECEIPT_KINDS, Letter, LetterStatus

LETTER_ACTIONS = {"issue": "签发", "void": "作废", "receipt": "签收/送达", "move_problem": "移动问题",
                  "remove_problem": "移出问题", "add_problem": "加入问题", "draft": "起草"}


def letter_name(letter_id: int) -> str | None:
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        return None
    return letter.number or f"意见书草稿（{letter.unit.name}）"


register_labels(
    record_types={"letter": "意见书", "letter_type": "文书类型", "letter_problem": "意见书所列问题",
                  "letter_file": "意见书文件"},
    actions=LETTER_ACTIONS,
)
register_labels(("letter", *LETTER_ACTIONS), fields={
    "problems": "问题", "problem_id": "问题", "letter_id": "意见书", "status": "状态", "number": "文号",
    "sha256": "文件校验码", "notified": "通知人数", "reason": "理由", "replaces": "替代",
    "receipt_kind": "签收方式", "receipt_date": "签收/送达日期", "deadline": "整改期限",
    "explanation": "期限计算"}, values={"status": LetterStatus, "receipt_kind": RECEIPT_KINDS})
register_labels("letter_type", fields={
    "name": "名称", "prefix": "文号前缀", "reply_period_days": "整改期限（日）", "request_template": "整改要求模板", "issuing_authority": "发文机关署名",
    "active": "启用", "sort_order": "排序"})
register_labels(fields={"letter_id": "意见书"}, refs={"letter_id": letter_name})
register_labels(("letter", *LETTER_ACTIONS), refs={"problems": problem_name, "problem_id": problem_name})
