"""Who may do what with accounts: declared once here, asked by the views (policy.allows), the services and the
templates (can). Role checks and the record check shared by all domains live in supervision.policy."""
from ..policy import ALL_ROLES, rule
from ..roles import Role

# One's own account: log out, change one's password.
rule("accounts.own_account", roles=ALL_ROLES)
# The admin's user management: the list, create, edit, reset a password, unlock, (de)activate, unit accounts.
rule("accounts.manage_users", roles=(Role.admin,))

