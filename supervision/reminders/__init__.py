from . import on_letters  # noqa: F401  (subscribes to what letters announce)
