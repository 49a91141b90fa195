from pydantic_settings import SettingsConfigDict

from ombuds_shared.config import ConfidentialSettings


class IntakeSettings(ConfidentialSettings):
    """Settings of the intake service (env prefix OMBUDS_INTAKE_)."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_INTAKE_", extra="ignore")

    service_name: str = "intake"
    cases_url: str = "http://127.0.0.1:8002"
