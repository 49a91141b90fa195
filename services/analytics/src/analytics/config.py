from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from ombuds_shared.config import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Settings of the analytics service (env prefix OMBUDS_ANALYTICS_)."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_ANALYTICS_", extra="ignore")

    service_name: str = "analytics"
    # Published counts below this are suppressed, with their complements (P6).
    suppression_threshold: int = Field(5, ge=2, le=100)
    # Per statistic, a threshold other than the default (statistics sharing a cube are
    # protected together at the highest of theirs: statistics.service.PROTECTED_TOGETHER).
    suppression_thresholds: dict[str, int] = Field(
        default_factory=dict,
        description='Thresholds per statistic, as JSON (e.g. {"mediation-outcomes": 3}); '
        "statistics published from one cube are protected at the highest among them "
        "(docs/analytics.md).",
    )
    # Every published figure is annual, so the open period is the current year: until it
    # closes, no figure of it is published, so that polling a moving total cannot single
    # out one new case (a deployment may choose otherwise, knowing that).
    publish_open_period: bool = Field(
        False,
        description="Publish the current (open) year's figures too; by default a year is "
        "published once it closes, so that polling cannot single out one new case.",
    )
    # The annual report's letterhead and editable texts (docs/analytics.md).
    report_organization: str = Field(
        "United Nations",
        max_length=200,
        description="The organization named on the annual report's cover and running header.",
    )
    report_office: str = Field(
        "Office of the United Nations Ombudsman and Mediation Services",
        max_length=200,
        description="The office that publishes the annual report.",
    )
    report_templates_dir: Path | None = Field(
        None,
        description="A folder of Jinja2 templates overriding the annual report's section "
        "texts (same file names as analytics/report/templates; missing ones fall back).",
    )

    @field_validator("suppression_thresholds")
    @classmethod
    def _known_statistics(cls, value: dict[str, int]) -> dict[str, int]:
        from analytics.statistics.service import STATISTICS  # the registry, once loaded

        unknown = sorted(set(value) - set(STATISTICS))
        if unknown:
            raise ValueError(f"unknown statistics: {unknown}; known: {sorted(STATISTICS)}")
        bad = sorted(name for name, n in value.items() if not 2 <= n <= 100)
        if bad:
            raise ValueError(f"thresholds must be from 2 to 100: {bad}")
        return value
