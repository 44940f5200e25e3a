from . import on_letters  # noqa: F401  (subscribes to what letters announce)
from . import on_rectification  # noqa: F401  (the messages rectification's events send)
