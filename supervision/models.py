"""Import every model so metadata (create_all, Alembic autogenerate) sees all tables."""
from .accounts.models import LoginThrottle, User  # noqa: F401
from .audit import AuditEntry  # noqa: F401
from .directory.models import Office, OrgProfile, Unit  # noqa: F401
from .letters import models as _letters  # noqa: F401
from .rectification import models as _rectification  # noqa: F401
from .reminders import models as _reminders  # noqa: F401
from .schedule import models as _schedule  # noqa: F401
from .uploads import Attachment  # noqa: F401
from .visits import models as _visits  # noqa: F401
from .workcal import CalendarDay, CalendarYear  # noqa: F401
