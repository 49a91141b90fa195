from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ombuds_shared.config import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Settings of the analytics service (env prefix OMBUDS_ANALYTICS_)."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_ANALYTICS_", extra="ignore")

    service_name: str = "analytics"
    # Published counts below this are suppressed, with their complements (P6).
    suppression_threshold: int = Field(5, ge=2, le=100)
    # Every published figure is annual, so the open period is the current year: until it
    # closes, no figure of it is published, so that polling a moving total cannot single
    # out one new case (a deployment may choose otherwise, knowing that).
    publish_open_period: bool = Field(
        False,
        description="Publish the current (open) year's figures too; by default a year is "
        "published once it closes, so that polling cannot single out one new case.",
    )
