"""Text written into an exported .xlsx: a value a spreadsheet would run as a formula is written as text."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A string a spreadsheet would run as a formula (= + - @, or a leading tab/CR) gets a leading apostrophe,
    so it is stored and shown as the text that was typed (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
