"""What letters announce to the parts above them (reminders, rectification), which subscribe in their own
`on_letters` modules. Sent after the change is flushed, inside the caller's transaction: a subscriber's writes
are committed (or rolled back) with it."""
from blinker import Namespace

_signals = Namespace()

# A draft was issued: sender the Letter (its number, unit and type set); number=the number given.
# Receivers return how many people they told (summed into the audit entry).
letter_issued = _signals.signal("letter-issued")

# A received letter's deadline, pending for want of a year's working calendar, is now computed:
# sender the Letter, deadline=the workcal Deadline (due, explanation).
deadline_resolved = _signals.signal("letter-deadline-resolved")
