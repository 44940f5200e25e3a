"""What rectification announces, for the layers above it (the reminders send the messages).

Each signal is sent after the change is flushed, inside the caller's transaction: a subscriber's writes are
committed or rolled back with the change itself. The sender is the record that changed.
"""
from blinker import Namespace

_signals = Namespace()

# The unit submitted its report (or the office recorded a paper reply): sender the Letter;
# submission=the Submission, replies=the replies it submitted.
report_submitted = _signals.signal("rect.report_submitted")
# The office returned a reply for revision: sender the Reply (its decision_note is the reason).
reply_returned = _signals.signal("rect.reply_returned")
# An on-site check was ordered: sender the Reply; inspectors=the users who check, visit_date=the day.
site_check_ordered = _signals.signal("rect.site_check_ordered")
# An on-site check found the problem not rectified: sender the Reply (its site_note is why).
site_check_failed = _signals.signal("rect.site_check_failed")
# Every problem of a letter is accepted, the letter is 已办结: sender the Letter.
letter_closed = _signals.signal("rect.letter_closed")
# The unit asked for a later deadline: sender the Extension.
extension_requested = _signals.signal("rect.extension_requested")
# The office approved or refused an extension: sender the Extension; summary=the decision in words.
extension_decided = _signals.signal("rect.extension_decided")
# The unit submitted its 自查 material: sender the SelfInspection.
self_inspection_submitted = _signals.signal("rect.self_inspection_submitted")
