from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ombuds_shared.config import ConfidentialSettings


class IntakeSettings(ConfidentialSettings):
    """Settings of the intake service (env prefix OMBUDS_INTAKE_)."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_INTAKE_", extra="ignore")

    service_name: str = "intake"
    cases_url: str = "http://127.0.0.1:8002"
    # The directory (offices, staff roster) pushes its changes to these services' copies.
    mediation_url: str = "http://127.0.0.1:8003"
    analytics_url: str = "http://127.0.0.1:8004"

    fingerprint_key: SecretStr | None = Field(
        default=None,
        description="HMAC key (base64, 32 bytes or more) of the fingerprints that tell an "
        "idempotent replay from a different submission under the same Idempotency-Key. It "
        "never leaves intake, so a fingerprint cannot be matched by recomputing it from a "
        "guessed submission. Every intake replica needs the same key. In production the service "
        "does not start without it (or fingerprint_key_file); elsewhere a key file in the data "
        "folder is made.",
    )
    fingerprint_key_file: Path | None = Field(
        default=None, description="A file holding the fingerprint key, instead of fingerprint_key."
    )
    request_retention_months: int = Field(
        6,
        ge=0,
        description="Months after a decline, or after submission for a request never triaged, "
        "before the request's identity, decline note and submitter go (the identity of an "
        "accepted request goes with its case).",
    )
    receipt_lifetime_days: float = Field(
        90,
        ge=0,
        description="Days a receipt code (an anonymous visitor's only credential) keeps "
        "working after its matter is over: after the request was declined, or after its case "
        "closed. Then it gets the same answer as a wrong code. It also ends when the "
        "request's identity is destroyed under retention.",
    )
    retention_interval_seconds: float = Field(
        86_400, ge=0, description="How often the service runs the retention schedule; 0: never."
    )

    @property
    def resolved_fingerprint_key_file(self) -> Path:
        return self.fingerprint_key_file or self.data_dir / "keys" / "intake-fingerprint.key"
