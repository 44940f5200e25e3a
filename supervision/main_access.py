"""Who may open the pages that belong to no domain: the dashboard, the audit log, 系统状态 and the working
calendar. Declared once here (policy.rule), named by those pages' routes (policy.allows). A core module: it
imports the policy and the roles only."""
from .policy import ALL_ROLES, rule
from .roles import Role

rule("main.dashboard", roles=ALL_ROLES)            # everyone lands on their own dashboard
rule("audit.view_log", roles=(Role.admin,))        # the audit log and its filters
rule("system.view_status", roles=(Role.admin,))    # whether the scheduler and the database are as they should be
rule("workcal.manage", roles=(Role.admin,))        # enter a year's holidays (by hand or from the notice)
