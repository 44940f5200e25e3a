from . import on_letters  # noqa: F401  (subscribes to what letters announce)
from . import on_rectification  # noqa: F401  (the messages rectification's events send)
from . import rules_filings  # noqa: F401  (the filing registers' reminder rules, named on the admin's pages too)
