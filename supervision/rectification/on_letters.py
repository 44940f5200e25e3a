"""What rectification adds to letters: the derived 整改 state shown on an issued letter's page (letters/extras.py),
registered here so that letters never imports rectification."""
from ..letters import extras
from .queries import letter_state

extras.register_state(letter_state)
