"""What other parts add to a letter's page, registered by them (letters imports no part above it).

rectification registers the derived 整改 state of an issued letter (rectification/on_letters.py)."""
from __future__ import annotations

from collections.abc import Callable

_state_of: list[Callable] = []


def register_state(fn: Callable) -> Callable:
    """fn(letter) -> the rectification state shown on an issued letter's page (a badge)."""
    _state_of[:] = [fn]
    return fn


def state_of(letter):
    """The state registered for `letter`, or None when no part registered one."""
    return _state_of[0](letter) if _state_of else None
