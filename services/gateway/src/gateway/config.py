import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from ombuds_shared.config import ServiceSettings
from ombuds_shared.reference import Role

SERVICES = ("intake", "cases", "mediation", "analytics")
# A claim name or a dotted path into nested claims: no blanks, no empty segment.
_CLAIM_PATH = r"^[^.\s]+(\.[^.\s]+)*$"


class GatewaySettings(ServiceSettings):
    """Settings of the gateway (env prefix OMBUDS_GATEWAY_)."""

    model_config = SettingsConfigDict(env_prefix="OMBUDS_GATEWAY_", extra="ignore")
    keeps_database = False

    service_name: str = "gateway"
    intake_url: str = "http://127.0.0.1:8001"
    cases_url: str = "http://127.0.0.1:8002"
    mediation_url: str = "http://127.0.0.1:8003"
    analytics_url: str = "http://127.0.0.1:8004"
    service_keys_dir: Path | None = Field(
        default=None,
        description="Folder of the services' public keys (`<name>.pub.pem`, and "
        "`<name>.<label>.pub.pem` during a rotation), published on the internal JWKS. "
        "Defaults to keys/ in the data folder.",
    )

    private_bind: str | None = Field(
        default=None,
        description="host:port of the gateway's private listener (e.g. 0.0.0.0:8010): the "
        "internal JWKS the services trust, the event ingress their outbox relays post to, and "
        "/metrics. None of these is served on the public port; unset, they are served nowhere "
        "(required in production). Point the services' INTERNAL_JWKS_URL and GATEWAY_URL here.",
        pattern=r"^[^:]+:[0-9]{1,5}$",
    )

    oidc_jwks_url: str | None = Field(
        default=None,
        description="JWKS URL of the organization's identity provider (OIDC). Unset: the "
        "development issuer is used (refused in production).",
    )
    oidc_issuer: str | None = Field(
        default=None, description="Expected `iss` of external tokens (required in production)."
    )
    oidc_audience: str = Field(
        default="ombuds",
        min_length=1,
        description="Expected `aud` of external tokens: a name or a URI (e.g. "
        "https://ombuds.example.org/api, the resource indicator a provider issues for); a "
        "token whose `aud` is a list passes when the list holds this one.",
    )
    oidc_algorithms: list[str] = Field(
        default_factory=lambda: ["RS256", "ES256", "EdDSA"],
        description="Accepted signature algorithms of external tokens (asymmetric only).",
    )
    roles_claim: str = Field(
        default="roles",
        pattern=_CLAIM_PATH,
        description="Claim of external tokens with the caller's roles: a list, or one string "
        "(see roles_separator). A dotted path reaches into nested claims "
        "(`realm_access.roles` for Keycloak); a claim named with dots (a URI) is found by its "
        "whole name first.",
    )
    roles_separator: Literal["none", "space", "comma"] = Field(
        default="none",
        description="How a roles claim that is one string is read: `none` takes it as one role "
        "name (what a provider sends for a user with a single role), `space` or `comma` splits "
        "it. Never split a provider's names that hold spaces: `HR administrator` would become "
        "`administrator`.",
    )
    role_names: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="The identity provider's role names mapped to Ombuds roles, as JSON, e.g. "
        '{"Ombuds.HRPortal": "hr_portal", "ombudsman": "ombudsman"}. Empty: the provider spells '
        "roles as Ombuds does and names are taken as they are. Set: the mapping is complete and "
        "names it does not list are ignored, so a provider role that happens to be spelled "
        "like an Ombuds role grants nothing unless listed. A token with no known role gets 403 "
        "(a warning is logged, without the token's content).",
    )
    office_claim: str = Field(
        default="office",
        pattern=_CLAIM_PATH,
        description="Claim (or dotted path) of external tokens with the user's office code.",
    )
    tribunal_claim: str = Field(
        default="tribunal",
        pattern=_CLAIM_PATH,
        description="Claim (or dotted path) of external tokens naming the tribunal a registry "
        "account serves (e.g. dispute_tribunal); a registry token without it is refused.",
    )

    staff_from_claims: bool = Field(
        default=False,
        description="Add an ombudsman, mediator or chief to their office's staff roster (in "
        "intake's directory) the first time they sign in, from their token's subject, role, "
        "office and name claim. Off: the administrator keeps the roster. A member already "
        "on it (a departed one included) is never changed by signing in.",
    )
    staff_name_claim: str = Field(
        default="name", description="Claim of external tokens with the user's display name."
    )

    dev_issuer: str = Field(
        default="ombuds-dev-issuer", description="Issuer name of the development tokens."
    )
    dev_issuer_key_file: Path | None = Field(
        default=None,
        description="Private key of the development issuer; keys/dev-issuer.pem by default.",
    )
    internal_token_lifetime_seconds: int = Field(
        60, ge=10, le=600, description="Lifetime of the internal tokens the gateway mints."
    )
    certificate_keys_max_age_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="How long certificate keys fetched from mediation are reused (a rotated-in "
        "key is published within this time).",
    )
    lookup_cache_seconds: float = Field(
        1.0,
        ge=0,
        le=10,
        description="How long the gateway reuses a caller's answer to a lookup the policy marks "
        "cacheable (certificate lookups by registries); bounds how late a revocation is seen "
        "there, on top of the mediation service's own cache. 0 turns it off.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser frontends allowed to call the API (CORS); empty: none.",
    )
    graphql_max_service_calls: int = Field(
        100,
        ge=1,
        le=10_000,
        description="Calls to the services one GraphQL operation may make (lists are loaded in "
        "batches); fields beyond fail with a bad-request error: no query fans out unbounded.",
    )
    rate_limit_per_second: float = Field(
        50.0, gt=0, description="Requests a second per caller (token subject), per replica."
    )
    rate_limit_burst: int = Field(200, ge=1, description="Burst allowed per caller.")
    unauthenticated_rate_per_second: float = Field(
        5.0, gt=0, description="Failed authentications a second per client address."
    )
    unauthenticated_burst: int = Field(
        20, ge=1, description="Burst of failed authentications per client address."
    )
    receipt_rate_per_minute: float = Field(
        6.0,
        gt=0,
        description="Calls a minute with a receipt code (an anonymous visitor's credential, "
        "in the Receipt-Code header) per client address, per replica: each call is a guess "
        "to someone brute-forcing codes.",
    )
    receipt_burst: int = Field(
        12, ge=1, description="Burst of calls with a receipt code per client address."
    )
    max_in_flight_per_client: int = Field(
        32,
        ge=1,
        description="Requests one client (a token's subject, else an address) may have in "
        "flight at this gateway process; beyond, 429 at once, so slow or greedy clients "
        "cannot take the capacity of others.",
    )
    max_concurrent_requests: int = Field(
        256,
        ge=1,
        description="Requests this gateway process serves at once; beyond, it sheds load: "
        "503 problem details with Retry-After, at once, instead of queueing (health, "
        "readiness and metrics are never shed). Size it to what the services behind can "
        "serve within their latency target (see bench/mixed_workload.py).",
    )

    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="HMAC key (base64, 32 bytes or more) that turns case, mediation and event "
        "ids into pseudonyms for analytics. Every gateway replica needs the same key, and it is "
        "never rotated: a new key would split each case's history in analytics. Required in "
        "production (or pseudonym_key_file); elsewhere a key file in the data folder is made.",
    )
    pseudonym_key_file: Path | None = Field(
        default=None, description="A file holding the pseudonym key, instead of pseudonym_key."
    )

    def service_url(self, service: str) -> str:
        return str(getattr(self, f"{service}_url"))

    @property
    def resolved_service_keys_dir(self) -> Path:
        return self.service_keys_dir or self.data_dir / "keys"

    @property
    def resolved_dev_issuer_key_file(self) -> Path:
        return self.dev_issuer_key_file or self.data_dir / "keys" / "dev-issuer.pem"

    @property
    def resolved_pseudonym_key_file(self) -> Path:
        return self.pseudonym_key_file or self.data_dir / "keys" / "pseudonym.key"

    @property
    def uses_dev_issuer(self) -> bool:
        return self.oidc_jwks_url is None

    @field_validator("role_names", mode="before")
    @classmethod
    def _role_names_from_json(cls, value: Any) -> Any:
        # From the environment: a JSON object, or nothing (compose passes an unset one empty).
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(
                    'role_names must be a JSON object, e.g. {"Ombuds.HRPortal": "hr_portal"}'
                ) from exc
        return value

    @model_validator(mode="after")
    def _identity_provider_is_complete(self) -> "GatewaySettings":
        if self.oidc_jwks_url and not self.oidc_issuer:
            raise ValueError(
                "oidc_jwks_url is set but oidc_issuer is not: set OMBUDS_GATEWAY_OIDC_ISSUER to "
                "the identity provider's issuer (its tokens' `iss`)"
            )
        if self.oidc_issuer and not self.oidc_jwks_url:
            raise ValueError(
                "oidc_issuer is set but oidc_jwks_url is not: set OMBUDS_GATEWAY_OIDC_JWKS_URL "
                "to the identity provider's JWKS (its discovery document's `jwks_uri`)"
            )
        known = {role.value for role in Role}
        unknown = sorted(v for v in self.role_names.values() if v not in known)
        if unknown:
            raise ValueError(
                f"role_names maps to unknown roles {unknown}; Ombuds roles: {sorted(known)}"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_identity_provider(self) -> "GatewaySettings":
        if self.environment == "production" and (not self.oidc_jwks_url or not self.oidc_issuer):
            raise ValueError("production needs oidc_jwks_url and oidc_issuer; no dev issuer")
        if self.environment == "production" and not (self.pseudonym_key or self.pseudonym_key_file):
            raise ValueError("production needs pseudonym_key (or pseudonym_key_file) for analytics")
        if self.environment == "production" and not self.private_bind:
            raise ValueError("production needs private_bind: the services' keys and events")
        if any(a.lower() == "none" or a.startswith("HS") for a in self.oidc_algorithms):
            raise ValueError("oidc_algorithms may list asymmetric algorithms only")
        return self
