from . import on_rectification  # noqa: F401  (the messages rectification's events send)
