from . import subscriptions  # noqa: F401  (the schedule's questions and changes, answered from here)
