"""What the schedule announces, and the questions it asks, for the parts above it (visits) — the schedule
imports none of them. A subscriber runs in the same transaction as the sender.

Questions (the schedule sends them and adds up the answers; with no subscriber the answer is "none"):
- `slot_visits_wanted`: sender = the slot ids; a subscriber answers a list of the visits recorded against them.
- `slot_units_done_wanted`: sender = the slot ids; a subscriber answers {(slot id, unit id)} with a submitted
  visit recorded against the slot (the slot's status is derived from them).

Announcements during a plan import (the slots are flushed; each subscriber answers how many records it changed):
- `unit_moved`: sender = the unit id; from_slot, to_slot: the unit's week moved (its visits follow it).
- `unit_left_slot`: sender = the unit id; slot: the admin dropped a visited unit from its week.
- `slot_removing`: sender = the slot, about to be deleted (its records must let go of it first).
"""
from blinker import Namespace

_signals = Namespace()

slot_visits_wanted = _signals.signal("slot-visits-wanted")
slot_units_done_wanted = _signals.signal("slot-units-done-wanted")
unit_moved = _signals.signal("unit-moved")
unit_left_slot = _signals.signal("unit-left-slot")
slot_removing = _signals.signal("slot-removing")


def answers(signal, sender, **kwargs) -> list:
    """Send `signal` and return the subscribers' answers (None answers left out)."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]
