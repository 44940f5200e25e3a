"""Import every model so metadata (create_all, Alembic autogenerate) sees all tables."""
from .accounts.models import LoginThrottle, User  # noqa: F401
from .assessment import daily_models as _assessment_daily  # noqa: F401
from .assessment import models as _assessment  # noqa: F401
from .audit import AuditEntry  # noqa: F401
from .casereview import models as _casereview  # noqa: F401
from .directory.models import Office, OrgProfile, Unit  # noqa: F401
from .filings import models as _filings  # noqa: F401
from .letters import models as _letters  # noqa: F401
from .rectification import models as _rectification  # noqa: F401
from .referrals import models as _referrals  # noqa: F401
from .reminders import models as _reminders  # noqa: F401
from .schedule import models as _schedule  # noqa: F401
from .uploads import Attachment  # noqa: F401
from .visits import models as _visits  # noqa: F401
from .workcal import CalendarDay, CalendarYear  # noqa: F401

# Each part's Chinese labels for the audit log (record types, actions, fields, values), registered with the log.
# (reminders registers its own from its blueprint module: its labels need its service, which must not be
# imported while the models are.)
from .accounts import labels as _accounts_labels  # noqa: F401,E402
from .casereview import labels as _casereview_labels  # noqa: F401,E402
from .assessment import labels as _assessment_labels  # noqa: F401,E402
from .directory import labels as _directory_labels  # noqa: F401,E402
from .filings import labels as _filings_labels  # noqa: F401,E402
from .letters import labels as _letters_labels  # noqa: F401,E402
from .rectification import labels as _rectification_labels  # noqa: F401,E402
from .referrals import labels as _referrals_labels  # noqa: F401,E402
from .schedule import labels as _schedule_labels  # noqa: F401,E402
from .visits import labels as _visits_labels  # noqa: F401,E402
from . import workcal_labels as _workcal_labels  # noqa: F401,E402
