"""One settings object, read from environment variables (and an optional `.env`).

When no database URL is configured, the embedded PostgreSQL servers under `data_dir`
are used: one server per region, the control database living on the first region's
server. Secrets that the embedded setup needs (superuser and app-role passwords, the
master key) are generated once into `data_dir/secrets.json` in development and test;
outside development they must be given explicitly and may not be placeholders.
"""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDERS = {"", "change-me", "changeme", "secret", "password", "placeholder", "xxx"}

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    env: Environment = Field(default="development", alias="BOS_ENV")
    data_dir: Path = Field(default=PROJECT_ROOT / ".data", alias="BOS_DATA_DIR")

    # Control plane (admin/owner URL; migrations and provisioning use it).
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    # Data planes: one admin URL per region, e.g. REGION_GLOBAL_URL, REGION_ID_URL.
    region_global_url: str | None = Field(default=None, alias="REGION_GLOBAL_URL")
    region_id_url: str | None = Field(default=None, alias="REGION_ID_URL")

    # The runtime role: not superuser, owns nothing, RLS applies to it.
    app_db_user: str = Field(default="bos_app", alias="APP_DB_USER")
    app_db_password: str | None = Field(default=None, alias="APP_DB_PASSWORD")

    master_key: str | None = Field(default=None, alias="BOS_MASTER_KEY")

    embedded_port_base: int = Field(default=55432, alias="BOS_EMBEDDED_PORT_BASE")
    # Faster, non-durable embedded servers (tests and benchmarks only).
    embedded_fast: bool = Field(default=False, alias="BOS_EMBEDDED_FAST")

    pool_size: int = Field(default=5, alias="BOS_POOL_SIZE")
    pool_max_overflow: int = Field(default=5, alias="BOS_POOL_MAX_OVERFLOW")
    max_engines: int = Field(default=64, alias="BOS_MAX_ENGINES")
    # How long an API process trusts what it read about a key and its tenant (core.apikeys.authcache).
    # API worker threads: for database calls (short), and for calls that may wait on a model.
    api_threads: int = Field(default=2, ge=1, le=64, alias="BOS_API_THREADS")
    api_model_threads: int = Field(default=16, ge=1, le=256, alias="BOS_API_MODEL_THREADS")
    api_key_cache_seconds: float = Field(default=2.0, ge=0, le=60, alias="BOS_API_KEY_CACHE_SECONDS")

    api_host: str = Field(default="127.0.0.1", alias="BOS_API_HOST")
    api_port: int = Field(default=8000, alias="BOS_API_PORT")
    ui_port: int = Field(default=8501, alias="BOS_UI_PORT")

    # Extra Alembic version folders for the tenant tree (operators' hot-fixes, benchmarks).
    tenant_extra_versions: str | None = Field(default=None, alias="BOS_TENANT_EXTRA_VERSIONS")

    # Links in emails point here (the UI's address as users reach it).
    public_url: str = Field(default="http://127.0.0.1:8501", alias="BOS_PUBLIC_URL")

    # Outgoing email. `make run` starts a local catcher on SMTP_HOST:SMTP_PORT when the
    # host is loopback and the environment is not production.
    smtp_host: str = Field(default="127.0.0.1", alias="SMTP_HOST")
    smtp_port: int = Field(default=8025, alias="SMTP_PORT")
    smtp_from: str = Field(default="Business OS <no-reply@business-os.local>", alias="SMTP_FROM")
    smtp_user: str | None = Field(default=None, alias="SMTP_USER")
    smtp_password: str | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(default="none", alias="SMTP_TLS")
    smtp_timeout: float = Field(default=10.0, alias="SMTP_TIMEOUT")

    # Outgoing webhooks: internal destinations the SSRF guard may reach anyway (operator's
    # choice; comma-separated CIDRs, IPs or host names, each optionally with :port).
    webhook_allowlist: str = Field(default="", alias="WEBHOOK_ALLOWLIST")

    # bcrypt cost; 12 or more outside tests (tests use 4 to stay fast).
    bcrypt_rounds: int = Field(default=12, ge=4, le=16, alias="BOS_BCRYPT_ROUNDS")
    # Sign-in: sessions end after this much inactivity, and in any case after max hours.
    session_idle_minutes: int = Field(default=480, alias="BOS_SESSION_IDLE_MINUTES")
    session_max_hours: int = Field(default=24, alias="BOS_SESSION_MAX_HOURS")
    # Throttling: this many failures within the window lock the email for lock minutes.
    login_max_failures: int = Field(default=5, alias="BOS_LOGIN_MAX_FAILURES")
    login_window_minutes: int = Field(default=15, alias="BOS_LOGIN_WINDOW_MINUTES")
    login_lock_minutes: int = Field(default=15, alias="BOS_LOGIN_LOCK_MINUTES")
    invitation_days: int = Field(default=7, alias="BOS_INVITATION_DAYS")
    reset_token_minutes: int = Field(default=60, alias="BOS_RESET_TOKEN_MINUTES")

    # AI gateway (core.ai). "auto": Gemini when GOOGLE_API_KEY is set, else OpenAI when
    # OPENAI_API_KEY is set, else the offline engine (deterministic, no network).
    ai_provider: Literal["auto", "offline", "gemini", "openai"] = Field(default="auto", alias="AI_PROVIDER")
    google_api_key: SecretStr | None = Field(default=None, alias="GOOGLE_API_KEY")
    gemini_model: str = Field(default="gemini-2.5-flash", alias="GEMINI_MODEL")
    # Another endpoint for the Gemini REST API (an on-premise gateway, a test stand-in).
    gemini_base_url: str | None = Field(default=None, alias="GEMINI_BASE_URL")
    gemini_embed_model: str = Field(default="gemini-embedding-001", alias="GEMINI_EMBED_MODEL")
    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_model: str = Field(default="gpt-4o-mini", alias="OPENAI_MODEL")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    # Embeddings: "local" (all-MiniLM-L6-v2 on the CPU, shipped in a package) or "gemini".
    ai_embed_provider: Literal["local", "gemini"] = Field(default="local", alias="AI_EMBED_PROVIDER")
    ai_temperature: float = Field(default=0.2, alias="AI_TEMPERATURE")
    # A provider call that takes longer fails (and counts against the circuit breaker).
    ai_timeout_seconds: float = Field(default=20.0, gt=0, alias="AI_TIMEOUT_SECONDS")
    # This many consecutive failures open the breaker; after the cool-down one probe is let through.
    ai_breaker_failures: int = Field(default=3, ge=1, alias="AI_BREAKER_FAILURES")
    ai_breaker_cooldown_seconds: int = Field(default=60, ge=1, alias="AI_BREAKER_COOLDOWN_SECONDS")
    # The operational intelligence page flags margins below this percentage.
    ai_margin_alert_pct: float = Field(default=30.0, alias="AI_MARGIN_ALERT_PCT")

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.env == "production":
            for name in ("master_key", "app_db_password"):
                value = getattr(self, name)
                if value is None or value.strip().lower() in PLACEHOLDERS:
                    raise ValueError(f"{name.upper()} must be set to a real secret in production")
            if not self.database_url or not self.region_global_url:
                raise ValueError("DATABASE_URL and REGION_GLOBAL_URL must be set in production")
            if self.bcrypt_rounds < 12:
                raise ValueError("BOS_BCRYPT_ROUNDS must be at least 12 in production")
        return self

    # --- regions -------------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        """True when no URLs are configured and the embedded servers are used."""
        return self.database_url is None

    def configured_region_urls(self) -> dict[str, str]:
        urls = {"global": self.region_global_url, "id": self.region_id_url}
        # Further regions: REGION_<CODE>_URL in the environment.
        for key, value in os.environ.items():
            if key.startswith("REGION_") and key.endswith("_URL") and value:
                code = key[len("REGION_") : -len("_URL")].lower()
                urls.setdefault(code, value)
        return {code: url for code, url in urls.items() if url}

    # --- generated secrets (development and test only) ------------------------------

    def _secrets_file(self) -> Path:
        return self.data_dir / "secrets.json"

    def local_secret(self, name: str) -> str:
        """A secret generated once per data directory and kept in secrets.json."""
        if self.env == "production":
            raise RuntimeError(f"{name} must be configured explicitly in production")
        path = self._secrets_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        if name not in stored:
            stored[name] = (
                Fernet.generate_key().decode() if name == "master_key" else secrets.token_urlsafe(24)
            )
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(stored, indent=2))
            tmp.chmod(0o600)
            tmp.replace(path)
        return stored[name]

    def resolved_master_key(self) -> str:
        return self.master_key or self.local_secret("master_key")

    def resolved_app_password(self) -> str:
        return self.app_db_password or self.local_secret("app_db_password")

    # --- mail --------------------------------------------------------------------------

    @property
    def mail_dir(self) -> Path:
        """Where the local SMTP catcher keeps what it received (development and test)."""
        return self.data_dir / "mail"

    @property
    def smtp_is_local(self) -> bool:
        return self.smtp_host in ("127.0.0.1", "localhost", "::1")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
