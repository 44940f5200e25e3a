"""What accounts announce to the layers above (accounts never imports upward)."""
from blinker import Namespace

_signals = Namespace()

# A user's standing secrets must stop working (password reset, deactivation): sent in the caller's transaction
# with the user and the reason in words (why=…); the schedule revokes the calendar feed address on it.
credentials_revoked = _signals.signal("credentials_revoked")
