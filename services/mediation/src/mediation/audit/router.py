from mediation.audit.service import AUDIT

router = AUDIT.router(context_query="mediation_id", context_name="mediation")
