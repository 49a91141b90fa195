from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ombuds_shared.config import ConfidentialSettings


class MediationSettings(ConfidentialSettings):
    """Settings of the mediation service (env prefix OMBUDS_MEDIATION_)."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_MEDIATION_", extra="ignore")

    service_name: str = "mediation"
    intake_url: str = Field(
        "http://127.0.0.1:8001",
        description="The intake service, whose vault seals the parties' identities (the "
        "service keeps references) and destroys them under the retention schedule.",
    )
    retention_months: int = Field(
        24,
        ge=0,
        description="Months after closure before a mediation's notes, note key and party "
        "references (and the party identities in intake's vault) go.",
    )
    retention_interval_seconds: float = Field(
        86_400, ge=0, description="How often the service runs the retention schedule; 0: never."
    )

    certificate_key_files: list[Path] = Field(
        default_factory=list,
        description="Certificate signing keys (Ed25519 PEM files, a JSON list), oldest first: "
        "the last signs new certificates, and every one stays published so that older "
        "certificates still verify. Required in production; in development a key in the data "
        "folder is made.",
    )

    service_office: str = Field(
        "mediation-service",
        description="The office of the Mediation Service: its mediators and chief alone answer "
        "tribunal registries' certificate requests.",
    )

    # How long a rendered certificate lookup is reused (0: never). A revocation made on
    # another replica is seen within this time; this replica forgets at once.
    certificate_cache_seconds: float = Field(2.0, ge=0, le=60)

    # The periods of the deadline ledger, in calendar days (public practice; see DOMAIN.md).
    tribunal_suspension_days: int = Field(30, ge=1, le=365)
    enforcement_window_days: int = Field(90, ge=1, le=365)
    settlement_default_implementation_days: int = Field(30, ge=0, le=365)
    management_evaluation_days: int = Field(60, ge=1, le=365)
    # A clock due within this many days is listed for the chief.
    deadline_warning_days: int = Field(7, ge=0, le=90)

    # Webhooks (docs/webhooks.md).
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="Networks (CIDR, a JSON list) where webhook destinations may be although "
        "they are private, loopback or link-local; every other such address is refused, at "
        "subscription time and again at each delivery.",
    )
    webhook_max_attempts: int = Field(
        8, ge=1, le=50, description="Delivery attempts before a webhook delivery is dead-lettered."
    )
    webhook_backoff_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="The wait after a webhook delivery's first failure; it doubles each time.",
    )
    webhook_max_backoff_seconds: float = Field(
        21_600.0, gt=0, description="The longest wait between two attempts of a delivery."
    )
    webhook_poll_seconds: float = Field(
        1.0, gt=0, le=300, description="How often the webhook dispatcher looks for due deliveries."
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="How long a webhook receiver has to answer."
    )
    webhook_deadline_lead_days: int = Field(
        7,
        ge=0,
        le=90,
        description="A deadline-approaching webhook event is raised this many days before a "
        "clock runs out.",
    )
    webhook_deadline_scan_seconds: float = Field(
        3600.0, gt=0, description="How often the service looks for deadlines to announce."
    )
    webhook_log_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="How long a delivered webhook stays in the delivery log (checked at each "
        "deadline scan); dead letters stay until replayed or their subscription is removed.",
    )
    webhook_rotation_overlap_hours: float = Field(
        24.0,
        ge=0,
        le=720,
        description="After a secret rotation, how long the previous secret still signs too.",
    )

    @property
    def resolved_certificate_key_files(self) -> list[Path]:
        """The configured key files, or the development default in the data folder."""
        return self.certificate_key_files or [self.data_dir / "keys" / "certificate-signing.pem"]
