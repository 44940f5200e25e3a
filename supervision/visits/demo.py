"""Demo data of this part, loaded by `flask --app wsgi demo` (must be idempotent)."""


def load(echo):
    """Add this part's demo records; echo(str) prints a line for the person running demo."""
