"""Who may do what with the schedule: declared once, asked by views, services and templates."""
from ..policy import STAFF, Role, rule

rule("schedule.view_plan", roles=STAFF)  # the year's plan, its print view and export, one week's page
rule("schedule.manage", roles=(Role.admin,))  # import the plan, rotate and assign offices, move a week's dates
rule("schedule.own_weeks", roles=(Role.inspector,))  # 我的检查周 and its calendar feed
