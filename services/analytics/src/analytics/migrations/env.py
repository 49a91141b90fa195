from analytics.db import Base
from analytics.events import models as _event_models  # noqa: F401 - registers the tables
from analytics.facts import models as _fact_models  # noqa: F401
from analytics.headcount import models as _headcount_models  # noqa: F401
from analytics.office import models as _office_models  # noqa: F401
from analytics.outreach import models as _outreach_models  # noqa: F401
from analytics.register import models as _register_models  # noqa: F401
from analytics.survey import models as _survey_models  # noqa: F401
from ombuds_shared.migrations import run_env

run_env(Base.metadata)
