from cases import outbox as _outbox  # noqa: F401
from cases.assignment import models as _assignment_models  # noqa: F401 - registers the tables
from cases.audit import models as _audit_models  # noqa: F401
from cases.case import models as _case_models  # noqa: F401
from cases.consent import models as _consent_models  # noqa: F401
from cases.contact import models as _contact_models  # noqa: F401
from cases.db import Base
from cases.erasure import models as _erasure_models  # noqa: F401
from cases.imports import models as _imports_models  # noqa: F401
from cases.issue_coding import models as _issue_coding_models  # noqa: F401
from cases.message import models as _message_models  # noqa: F401
from cases.note import models as _note_models  # noqa: F401
from cases.office import models as _office_models  # noqa: F401
from cases.register import models as _register_models  # noqa: F401
from cases.retention import models as _retention_models  # noqa: F401
from ombuds_shared.migrations import run_env

run_env(Base.metadata)
