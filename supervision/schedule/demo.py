"""Demo: the 2021 plan table of 鲁法政办〔2021〕4号 附件一, offices assigned by rotation. Idempotent."""
import os

from . import service

PLAN_2021 = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "schedules", "2021.csv")


def load(echo):
    """Import the shipped 2021 table once (creating missing units), then fill empty assignments by rotation."""
    if not service.slots_for_year(2021):
        with open(PLAN_2021, "rb") as fh:
            data = fh.read()
        preview = service.import_plan("2021.csv", data, 2021)
        if not preview.valid:
            raise RuntimeError("附带的2021年计划表无法导入：" + "；".join(str(p) for p in preview.errors))
        service.commit_import(preview, {"units": {u.name: "create" for u in preview.unknown}})
    filled = service.rotate_offices(2021)
    c = {"slots": 0, "units": 0}
    for s in service.slots_for_year(2021):
        c["slots"] += 1
        c["units"] += len(s.units)
    echo(f"监督计划：2021年 {c['slots']}周、{c['units']}家单位" + (f"，本次轮换分工{filled}周" if filled else ""))
