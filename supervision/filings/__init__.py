"""备案审查: the registers of 重大行政处罚备案 (check item 四) and 规范性文件备案 (check item 六)."""
from . import on_visits  # noqa: F401  (the filings panel on the visit form's items 四 and 六)
