"""The console's configuration, read once from the environment (prefix NG_, as every service's)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "console-session-dev"  # noqa: S105 - the development session key, refused in production
APIS = ("commitments", "honors", "inspections", "notifications", "projections")
"""The services the console calls, in the order deploy/local numbers their ports (8101, 8102, …)."""


class ConsoleSettings(BaseSettings):
    """Where the console listens, which APIs it calls, how it verifies tokens and signs its session cookie;
    with NG_CONSOLE_OIDC_ISSUER set, how it signs users in through the identity provider."""

    model_config = SettingsConfigDict(env_prefix="NG_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8106
    http_port_base: int = Field(
        8100, description="without an `NG_<SERVICE>_URL`: the local services' ports are base + 1, 2, …"
    )
    public_base_url: str = Field("", description="https://… in production: the session cookie is then Secure")
    operations_port: int | None = Field(
        default=None, description="when set, /metrics answers only on this port, not on http_port (as every service's)"
    )
    commitments_url: str = Field("", description="where the console and the `neuguong` command reach commitments")
    honors_url: str = Field("", description="where the console and the `neuguong` command reach honors")
    inspections_url: str = Field("", description="where the console and the `neuguong` command reach inspections")
    notifications_url: str = Field("", description="where the console and the `neuguong` command reach notifications")
    projections_url: str = Field("", description="where the console and the `neuguong` command reach projections")
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "neuguong"
    jwt_audience: str = "neuguong"
    jwt_max_lifetime_seconds: int = 24 * 3600
    console_session_secret: str = Field(
        DEV_SECRET, description="signs the console's session cookie (32+ characters of its own in production)"
    )
    console_session_seconds: int = Field(12 * 3600, ge=60, description="a console session lasts at most this long")
    console_api_timeout_seconds: float = Field(30.0, description="how long the console waits for a service's API")
    console_oidc_issuer: str = Field(
        "", description="the console's OpenID Connect provider (its issuer URL); empty: sign in with a token"
    )
    console_oidc_client_id: str = Field("", description="the console's client id at the provider")
    console_oidc_client_secret: str = Field("", description="the console's client secret (none for a public client)")
    console_oidc_scope: str = Field("openid profile", description="scopes the console asks the provider for")

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> "ConsoleSettings":
        for position, name in enumerate(APIS, start=1):
            url = getattr(self, f"{name}_url") or f"http://127.0.0.1:{self.http_port_base + position}"
            setattr(self, f"{name}_url", url.rstrip("/"))
        self.public_base_url = self.public_base_url.rstrip("/")
        if self.environment == "production":
            if self.console_session_secret == DEV_SECRET or len(self.console_session_secret) < 32:
                raise ValueError("console_session_secret: production needs its own secret of 32 characters or more")
            if not self.public_base_url.startswith("https://"):
                raise ValueError("public_base_url: production links need the public https:// address")
            if self.jwt_public_key_file is None:
                raise ValueError("jwt_public_key_file: required in production")
        if self.console_oidc_issuer and not self.console_oidc_client_id:
            raise ValueError("console_oidc_client_id: required with console_oidc_issuer")
        return self

    @property
    def secure_cookie(self) -> bool:
        """The session cookie travels only over https when the public reaches the console over https."""
        return self.public_base_url.startswith("https://")

    def api_url(self, service: str) -> str:
        """The base URL of a service's public API."""
        return str(getattr(self, f"{service}_url"))
