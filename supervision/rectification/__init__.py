"""整改: units reply to letters, the 监督室 reviews, every problem is tracked to closure; 自查; the 整改台账."""

from . import on_letters  # noqa: E402,F401  (the 整改 state on a letter's page)
