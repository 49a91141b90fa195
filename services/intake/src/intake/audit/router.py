from intake.audit.service import AUDIT

# Entries are about a request (its id, not its public reference), or about an identity
# bound to a case or mediation when no request brought it.
router = AUDIT.router(context_query="context_id", context_name="request or bound identity")
