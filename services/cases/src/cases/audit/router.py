from cases.audit.service import AUDIT

router = AUDIT.router(context_query="case_id", context_name="case")
