"""The error of filings: a rule was broken; the message (Chinese) names the field and says what to do."""
from __future__ import annotations


class FilingError(ValueError):
    """A rule was broken. `errors` maps form fields to messages (key "" for the whole form)."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors = errors
        super().__init__("；".join(errors.values()))
