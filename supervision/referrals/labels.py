"""What the audit log shows for the 线索移交 and 过错责任追究 registers in Chinese."""
from ..audit import register_labels

register_labels(
    record_types={"referral_clue": "违法违纪线索", "referral_fault_case": "过错责任追究"},
)
register_labels(("referral_clue", "referral_fault_case"), fields={
    "unit": "单位", "matter": "事项", "handed_on": "移交日期", "recipient": "移交对象", "reply": "反馈情况",
    "replied_on": "反馈日期", "person": "责任人", "decision": "追究决定", "decided_on": "决定日期"})
