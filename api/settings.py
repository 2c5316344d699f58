"""Configuration from the environment (pydantic-settings). Secure unless told otherwise."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from auth.config import MAX_TOKEN_LIFETIME_SECONDS, ExternalIssuer
from catalog.webhooks.egress import Network, parse_networks

# Written by `market seed-demo`; served to the web page only in dev mode.
DEMO_CREDENTIALS_FILE = Path("var/demo-credentials.json")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    database_url: str = "sqlite+aiosqlite:///var/market.db"
    market_env: Literal["production", "dev", "test"] = "production"
    search_backend: Literal["sql", "meilisearch"] = "sql"
    meili_url: str = "http://127.0.0.1:7700"
    meili_master_key: str | None = None
    meili_index: str = "products"

    issuer: str = "http://127.0.0.1:8000"
    audience: str = "defence-export-market"
    token_lifetime_seconds: int = Field(default=600, gt=0, le=MAX_TOKEN_LIFETIME_SECONDS)
    # Addresses or networks of reverse proxies whose X-Forwarded-Proto we believe (JSON list).
    trusted_proxies: list[str] = Field(default_factory=list)
    # How long an API worker trusts its in-memory copy of the public signing keys.
    signing_key_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Identity providers whose tokens are accepted (JSON list of ExternalIssuer objects).
    external_issuers: list[ExternalIssuer] = Field(default_factory=list)
    # Keep token checks' client lookups in process until a client, organisation or revoked
    # token changes (auth/client_cache.py); off: one query per request.
    auth_client_cache: bool = True

    db_pool_size: int = Field(default=10, gt=0)
    db_statement_timeout_ms: int = Field(default=15_000, gt=0)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    sql_echo: bool = False
    demo_credentials_file: Path = DEMO_CREDENTIALS_FILE

    graphql_max_depth: int = Field(default=10, gt=0)
    graphql_max_aliases: int = Field(default=30, gt=0)
    graphql_max_tokens: int = Field(default=5000, gt=0)
    graphql_max_cost: int = Field(default=20_000, gt=0)
    graphql_max_mutations: int = Field(default=5, gt=0)
    graphql_max_body_bytes: int = Field(default=256 * 1024, gt=0)
    page_size_max: int = Field(default=100, gt=0, le=100)

    # How often `market worker` holds the cases of quotes whose release expired.
    hold_sweep_seconds: float = Field(default=60.0, gt=0)
    # `GET /metrics` needs `Authorization: Bearer <this>` when set; without it the route is
    # open in dev and test, and answers 404 in production (api/metrics.py).
    metrics_token: SecretStr | None = None

    # A keep-alive connection is closed after this many requests or seconds (0: no bound), so
    # that connections spread again over the API workers after one restarts (api/keepalive.py).
    http_keepalive_max_requests: int = Field(default=1000, ge=0)
    http_keepalive_max_seconds: float = Field(default=10.0, ge=0)
    # On SIGTERM the server stops accepting and gives in-flight requests this long to finish.
    graceful_shutdown_seconds: float = Field(default=30, ge=0)
    # With --workers, a child that has not started serving (or stops answering the parent's
    # health ping) within this many seconds is replaced. Uvicorn's own 5 s replaced every child
    # in a loop, for good, on a loaded host where importing the app alone takes longer.
    worker_healthcheck_seconds: int = Field(default=30, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Rate limits (api/ratelimit.py). Buckets are per process unless REDIS_URL is set.
    redis_url: str | None = None
    # GraphQL cost per OAuth client: the bucket's size and its refill in points per second.
    rate_limit_capacity: int = Field(default=50_000, gt=0)
    rate_limit_restore_rate: float = Field(default=1_000.0, gt=0)
    # Token endpoint attempts, per source address and per client id.
    token_attempts_capacity: int = Field(default=30, gt=0)
    token_attempts_restore_rate: float = Field(default=1.0, gt=0)
    # Networks (JSON list) where webhook receivers may be although they are not public, e.g.
    # an internal receiver or a test's on loopback. Empty: public receivers only, everywhere.
    webhook_allow_networks: list[str] = Field(default_factory=list)
    # GraphQL subscriptions over WebSocket (api/graphql/websocket.py, notify/live.py).
    # Per process: connections one OAuth client may hold, operations per connection, events a
    # subscription may fall behind before it is dropped, the wait for `connection_init`, how
    # often an idle connection's access is checked again, and the outbox poll on SQLite.
    graphql_ws_max_connections_per_client: int = Field(default=50, gt=0)
    graphql_ws_max_operations: int = Field(default=100, gt=0)
    graphql_ws_queue_limit: int = Field(default=100, gt=0)
    graphql_ws_init_seconds: float = Field(default=10.0, gt=0)
    graphql_ws_recheck_seconds: float = Field(default=30.0, gt=0, le=60)
    live_poll_seconds: float = Field(default=0.5, gt=0)
    # Where `market worker` keeps its state for `market worker --health`.
    worker_status_file: Path = Path("var/worker-status.json")

    @field_validator("database_url")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("DATABASE_URL must not be empty")
        return value

    @field_validator("webhook_allow_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        parse_networks(value)  # refuses what is not a network, and a network of everything
        return value

    @property
    def webhook_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.webhook_allow_networks)

    @property
    def is_dev(self) -> bool:
        return self.market_env == "dev"
