from . import on_schedule  # noqa: F401  (the schedule's questions and changes, answered from here)
