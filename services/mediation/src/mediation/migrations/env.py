from mediation.db import Base
from mediation.models import register_all
from ombuds_shared.migrations import run_env

register_all()
run_env(Base.metadata)
