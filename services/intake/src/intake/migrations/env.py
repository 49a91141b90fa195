from intake.db import Base
from intake.directory import models as _directory_models  # noqa: F401
from intake.office import models as _office_models  # noqa: F401 - registers the tables
from intake.request import models as _request_models  # noqa: F401
from intake.vault import models as _vault_models  # noqa: F401
from ombuds_shared.migrations import run_env

run_env(Base.metadata)
