"""Settings common to every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEFAULT_DATA_DIR",
    "ConfidentialSettings",
    "ServiceSettings",
]

Environment = Literal["development", "test", "production"]

# The embedded default keeps every service's state under one local folder.
DEFAULT_DATA_DIR = Path(".ombuds")


class ServiceSettings(BaseSettings):
    """What every service needs: where its database is, its keys, and its peers."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_", extra="ignore")
    # False for a service without a database of its own (the gateway): production then
    # does not ask for a database_url it would never use.
    keeps_database: ClassVar[bool] = True

    service_name: str = Field(
        default="service",
        description="The service's own name: its token audience and log label. Leave as is.",
    )
    environment: Environment = Field(
        default="development",
        description="`production` refuses development shortcuts: no generated keys, no SQLite "
        "default, no development issuer.",
    )
    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Folder for the embedded SQLite database and development keys.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; defaults to an SQLite file in the data folder.",
    )
    database_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        description="PostgreSQL connections this process keeps open and shares between "
        "requests (one pool per process, no overflow). Mind the server's max_connections "
        "across all processes "
        "and replicas.",
    )
    log_level: str = Field(default="INFO", description="Python log level of the process.")
    log_json: bool = Field(default=True, description="One JSON object per log line on stderr.")
    signing_key_file: Path | None = Field(
        default=None,
        description="This service's own Ed25519 private key (PEM), used for service-to-service "
        "calls. Defaults to keys/<service>.pem in the data folder (created in development only).",
    )
    internal_jwks_url: str = Field(
        default="http://127.0.0.1:8005/internal/jwks.json",
        description="The gateway's internal JWKS, on its private listener: the public keys "
        "this service trusts.",
    )
    internal_jwks_file: Path | None = Field(
        default=None,
        description="A JWKS file to trust instead of the URL (tests and single-service runs).",
    )
    peer_timeout_seconds: float = Field(
        default=10.0,
        description="How long a call to another service may take, retries included, "
        "before it fails.",
    )
    max_body_bytes: int = Field(
        default=1_000_000, description="Larger request bodies are refused with 413."
    )
    body_read_timeout_seconds: float = Field(
        default=10,
        gt=0,
        description="A request body not complete this long after the request arrived is "
        "refused with 408 (slow clients do not hold a request slot).",
    )
    metrics_bind: str | None = Field(
        default=None,
        description="host:port of a separate listener serving only /metrics (e.g. 0.0.0.0:9100), "
        "so that monitoring can be let in without reaching the API; /metrics is also served on "
        "the service's own port (the gateway's: on its private listener only).",
        pattern=r"^[^:]+:[0-9]{1,5}$",
    )
    otel_enabled: bool = Field(
        default=False,
        description="Record OpenTelemetry traces: a span per request, continued across services "
        "through the traceparent header. Spans carry route templates, never paths or bodies.",
    )
    otel_exporter_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP traces endpoint (e.g. http://otel-collector:4318/v1/traces); "
        "unset: spans are recorded but sent nowhere.",
    )
    gateway_url: str = Field(
        default="http://127.0.0.1:8005",
        description="The gateway's private listener, to which a producing service's outbox "
        "relay delivers events.",
    )
    outbox_poll_seconds: float = Field(
        0.5, gt=0, le=60, description="How often the outbox relay looks for pending events."
    )
    outbox_batch_size: int = Field(
        200, ge=1, le=1000, description="Events the relay delivers in one call."
    )
    outbox_max_backoff_seconds: float = Field(
        60.0, gt=0, le=3600, description="The longest wait between retries of a refused event."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"

    @property
    def resolved_signing_key_file(self) -> Path:
        return self.signing_key_file or self.data_dir / "keys" / f"{self.service_name}.pem"

    @property
    def is_development(self) -> bool:
        return self.environment != "production"

    @model_validator(mode="after")
    def _production_needs_real_configuration(self) -> ServiceSettings:
        if self.environment == "production" and self.keeps_database and not self.database_url:
            raise ValueError("production needs an explicit database_url (PostgreSQL)")
        return self


class ConfidentialSettings(ServiceSettings):
    """A service that keeps confidential content also needs the master key ring."""

    master_keys: str | None = Field(
        default=None,
        description="Envelope master keys, 'id:base64,...'; the last wraps new data keys. "
        "In development a key ring is created in the data folder when unset.",
    )
    key_store_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL of the key store, where the wrapped data keys live "
        "apart from the data (deleting one there is physical; docs/operations.md, key store). "
        "Defaults to an SQLite file `<service>.keys.db` in the data folder; in production a "
        "PostgreSQL database of its own, shared by the service's replicas.",
    )

    @property
    def resolved_key_store_url(self) -> str:
        if self.key_store_url:
            return self.key_store_url
        path = (self.data_dir / f"{self.service_name}.keys.db").resolve()
        return f"sqlite+aiosqlite:///{path}"

    @model_validator(mode="after")
    def _production_needs_a_key_store(self) -> ConfidentialSettings:
        if self.environment == "production" and not self.key_store_url:
            raise ValueError("production needs an explicit key_store_url (PostgreSQL)")
        return self
