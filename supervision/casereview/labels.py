"""What the audit log shows for 案卷评查 in Chinese."""
from ..audit import register_labels
from .models import CampaignStatus

SCOPES = ("case_campaign", "case_file", "case_standard", "case_review", "case_mapping", "case_close",
          "case_record")

register_labels(
    record_types={"case_campaign": "案卷评查", "case_file": "评查案卷", "case_standard": "案卷评查标准"},
    actions={"case_review": "评查评分", "case_mapping": "设置问题归入的检查项目", "case_close": "结束评查",
             "case_record": "评查结果转为检查记录"},
)
register_labels(SCOPES, fields={
    "name": "名称", "period_start": "办结日期起", "period_end": "办结日期止", "standard": "评查标准",
    "threshold": "合格分数线", "cases_per_unit": "每单位案卷数", "sample_seed": "随机抽取种子",
    "sample_size": "随机抽取单位数", "units": "抽查单位", "reviewers": "评查人员", "number": "案号",
    "party": "当事人", "cause": "案由", "closed_on": "办结日期", "major": "重大行政处罚", "deductions": "扣分",
    "review_note": "评查意见", "version": "版本", "items": "评查内容", "status": "状态", "unit": "单位",
    "visit_id": "检查记录", "problems": "问题数", "subject": "执法主体", "evidence": "事实与证据",
    "law": "适用法律", "procedure": "执法程序", "documents": "文书制作", "archive": "归档"},
    values={"status": CampaignStatus})
