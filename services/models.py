"""The models of the services app, one module per sub-package, gathered here.

Django loads an app's models from `services.models`; the classes live next to the code
of their subdomain and keep the `services` app label, so no migration changed meaning.
Import them from their own module in new code; this module exists for Django and for
the migrations' history.
"""

from services.allowances.models import (  # noqa: F401
    AllowanceRule,
    CareAccount,
    LedgerEntry,
    SettlementLine,
    SettlementStatement,
)
from services.care.models import (  # noqa: F401
    Feedback,
    RequestChannel,
    ServiceRequest,
    Visit,
    VisitPlan,
    VisitStep,
)
from services.matching.models import (  # noqa: F401
    Match,
    MatchingJob,
    MatchingRun,
    UnservedRequest,
)
from services.notifications.models import (  # noqa: F401
    Notification,
    Reminder,
    ReminderPolicy,
    validate_offsets,  # the migrations name it here
)
from services.notifications.models_delivery import ChannelState, DeskCall  # noqa: F401
from services.offerings.models import (  # noqa: F401
    CareMode,
    OfferingWeek,
    OfferingWindow,
    PriceClass,
    ServiceOffering,
    ServiceType,
)
