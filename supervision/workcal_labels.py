"""What the audit log shows for the working calendar (工作日历) in Chinese."""
from .audit import register_labels

register_labels(
    record_types={"calendar_year": "工作日历", "calendar_day": "工作日历日期"},
    actions={"enter_year": "录入节假日"},
    fields={"holidays": "节假日", "workdays": "调休上班日"},
)
