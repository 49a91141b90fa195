"""Who may use the analytics routes (the gateway's policy is the first wall)."""

from typing import Annotated

from fastapi import Depends

from ombuds_shared.auth import require_user
from ombuds_shared.tokens import Actor

# Analysts and the chief read statistics and keep the office's reference data.
AnalystDep = Annotated[Actor, Depends(require_user("analyst", "chief"))]
# The exit survey is answered by visitors themselves; nothing of them is kept.
VisitorDep = Annotated[Actor, Depends(require_user("visitor"))]
