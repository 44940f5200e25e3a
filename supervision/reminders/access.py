"""Who may do what with messages and reminders: declared once here, asked by the views (policy.allows,
policy.require) and the templates (can)."""
from ..policy import ALL_ROLES, rule
from ..roles import Role

# Everyone has an inbox; a message is opened or marked read only by its recipient.
rule("reminders.inbox", roles=ALL_ROLES)


@rule("reminders.read", roles=ALL_ROLES)
def _own_message(user, note) -> bool:
    return note.recipient_id == user.id


# The admin's deliveries page (with a test message and retries) and the reminder settings.
rule("reminders.manage", roles=(Role.admin,))
