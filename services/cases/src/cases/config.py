from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ombuds_shared.config import ConfidentialSettings


class CasesSettings(ConfidentialSettings):
    """Settings of the cases service (env prefix OMBUDS_CASES_)."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_CASES_", extra="ignore")

    service_name: str = "cases"
    intake_url: str = "http://127.0.0.1:8001"
    mediation_url: str = "http://127.0.0.1:8003"
    retention_months: int = Field(
        24, ge=0, description="Months after closure before a case's confidential content goes."
    )
    retention_interval_seconds: float = Field(
        86_400, ge=0, description="How often the service runs the retention schedule; 0: never."
    )
    mediation_office: str = Field(
        "mediation-service",
        description="The office whose mediators take mediations opened from cases.",
    )
