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

    @property
    def resolved_certificate_key_files(self) -> list[Path]:
        """The configured key files, or the development default in the data folder."""
        return self.certificate_key_files or [self.data_dir / "keys" / "certificate-signing.pem"]
