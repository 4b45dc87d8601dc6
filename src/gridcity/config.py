"""Settings, from the environment (prefix GRIDCITY_) or a .env file; the defaults need no setup."""

from __future__ import annotations

from functools import cached_property
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridcity.domain.errors import Invalid
from gridcity.domain.escalation import (
    DEFAULT_STEPS,
    DEFAULT_SUPERVISION_AFTER,
    DEFAULT_URGENT_STEPS,
    EscalationPolicy,
)
from gridcity.domain.workflow import Role


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDCITY_", env_file=".env", extra="ignore")

    # Where the embedded database and the uploaded photos live when nothing else is configured.
    data_dir: Path = Path("gridcity-data")
    # sqlite:///path or postgresql+psycopg://user@host/db; empty → SQLite file in data_dir.
    database_url: str = ""
    attachments_dir: Path | None = None
    # SQLite's `PRAGMA synchronous` in WAL mode (db.engine): FULL (the default) and EXTRA sync every
    # commit to disk before it is acknowledged; NORMAL syncs only at checkpoints and can lose the
    # last acknowledged writes in a power cut (docs/operations.md#databases). Ignored on PostgreSQL.
    sqlite_synchronous: Literal["FULL", "EXTRA", "NORMAL"] = "FULL"

    host: str = "127.0.0.1"
    port: int = 8000
    token_ttl_hours: float = 12.0
    # HTTPS (docs/security.md#headers): `behind_tls` — the platform is reached only over HTTPS (a
    # proxy terminates TLS): every answer carries HSTS and every cookie is Secure, whatever the
    # request's scheme says. `secure_cookies` — cookies Secure even on a request that looks like
    # plain HTTP (a proxy that does not pass the scheme on). Without either, the request's own
    # scheme decides (https directly, or from a proxy uvicorn trusts: --forwarded-allow-ips).
    behind_tls: bool = False
    secure_cookies: bool = False

    city_code: str = "110000"  # GB/T 2260 code of the city this installation runs (北京市)
    city_name: str = "北京市"
    timezone: str = "Asia/Shanghai"
    # Daily work periods of the working calendar, local time.
    work_periods: list[str] = Field(default_factory=lambda: ["08:30-12:00", "13:30-17:30"])
    yellow_ratio: float = 0.8  # traffic light turns yellow at this share of the stage limit
    reopen_days: int = 7  # a citizen may reopen a closed case within this many days
    class_overrides: list[Path] = Field(default_factory=list)  # city files that edit the catalogue

    # Escalation of overdue cases (docs/domain/supervision.md, `domain.escalation`): how long after
    # the stage's deadline the street platform (街道平台) takes it up, then how much longer until the district
    # platform (区平台), then the city platform (市平台) — each step counted from the previous one,
    # in its own unit ("minutes", "hours" calendar, "work_hours", "work_days"). Urgent cases (an
    # urgency above the class's lowest) take the urgent steps. A case still open this long after
    # its city level goes on the monthly supervision list (月检查).
    escalation_steps: list[str] = Field(default_factory=lambda: list(DEFAULT_STEPS))
    urgent_escalation_steps: list[str] = Field(default_factory=lambda: list(DEFAULT_URGENT_STEPS))
    supervision_after: str = DEFAULT_SUPERVISION_AFTER
    sweep_batch_size: int = Field(default=500, ge=1)  # cases per transaction in a deadline sweep

    max_upload_bytes: int = 10 * 1024 * 1024
    upload_types: list[str] = Field(default_factory=lambda: ["image/jpeg", "image/png", "image/webp"])
    # a photo taken farther than this from the case point is flagged on the case page (domain.evidence)
    photo_far_m: int = Field(default=200, gt=0)

    # Bounded input (docs/security.md#bounded-input, api/body_limits.py): a request body larger
    # than its route's limit is refused with 413 before authentication and before it is read.
    # Most routes take `max_body_bytes`; a photo upload its photos × `max_upload_bytes` plus the
    # multipart overhead; the admin's grid file import `max_import_bytes` (also the largest file it
    # takes), whose GeoJSON may hold at most `max_import_features` features and
    # `max_import_positions` coordinate arrays.
    max_body_bytes: int = Field(default=1024 * 1024, ge=4096)
    max_import_bytes: int = Field(default=50 * 1024 * 1024, ge=4096)
    max_import_features: int = Field(default=50_000, ge=1)
    max_import_positions: int = Field(default=2_000_000, ge=1)
    # Load shedding: a request waits at most this long for a database connection, then gets a 503
    # with Retry-After instead of queueing without end (the pool: db/engine.py make_engine).
    db_pool_timeout_s: float = Field(default=5.0, gt=0, le=300)

    # Map tiles, e.g. a city's own tile server 'https://tiles.example/{z}/{x}/{y}.png'; empty: the
    # maps draw boundaries, grids and cases as vector layers only (closed city networks).
    map_tiles_url: str = ""

    # Webhooks out (services.webhooks): a failed delivery is tried again after base × 2^(n-1)
    # seconds (n: attempts so far), at most `webhook_backoff_max_s` apart, until `webhook_max_attempts`
    # attempts have failed; a POST waits `webhook_timeout_s` for the answer; a worker holds a claimed
    # delivery for `webhook_lease_s` (then another worker may send it again: at-least-once).
    webhook_backoff_base_s: float = Field(default=30.0, gt=0)
    webhook_backoff_max_s: float = Field(default=6 * 3600.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_lease_s: float = Field(default=300.0, gt=0)
    webhook_batch_size: int = Field(default=50, ge=1)
    # A worker sends deliveries concurrently: at most `webhook_concurrency` POSTs at once to one
    # subscription (a slow receiver holds up only its own), at most `webhook_total_concurrency` in all.
    webhook_concurrency: int = Field(default=4, ge=1, le=100)
    webhook_total_concurrency: int = Field(default=16, ge=1, le=500)
    # 部件: how far from the reported point a component report looks for the component it is about
    component_link_radius_m: float = Field(default=20.0, gt=0, le=2000)

    # The key that encrypts residents' ID numbers and phones at rest (AES-256-GCM) and keys their
    # blind index: 32 bytes, base64. Empty: generated once into data_dir/personal-data.key (mode
    # 0600). Keep it with the backups but apart from them: without it the data cannot be read.
    personal_data_key: str = Field(default="", repr=False)
    # Key rotation: the keys used before the current one (a JSON list, base64 each), still read; the
    # values they wrote are rewritten under the current key by `gridcity personal-data rekey`.
    personal_data_old_keys: list[str] = Field(default_factory=list, repr=False)

    # Retention (PIPL: kept no longer than the purpose needs, docs/security.md#personal-data): a
    # reporter's callback contact and the comments of a case's ratings and callbacks are erased this
    # many days after the case ended (closed, rejected or void); the case and its figures stay.
    contact_retention_days: int = Field(default=365, ge=30, le=3660)
    # a resident who moved out is anonymised (name, ID number, phone, birth date, tags) this many
    # days after moving out; the household's history keeps an anonymous member
    resident_retention_days: int = Field(default=730, ge=30, le=3660)

    # Patrol tracks (巡查轨迹, services.patrol): a supervisor's GPS points are personal location data,
    # deleted this many days after they were taken; the grids visited per day (巡查覆盖率) stay.
    patrol_retention_days: int = Field(default=90, ge=1, le=3660)

    # Sign-in (docs/security.md#sign-in, services.signin_guard). Failed sign-ins are counted per
    # username and per client address within `signin_window_minutes`; after the free failures each
    # further one makes the next attempt wait base × 2^(n-1) seconds (at most `signin_delay_max_s`),
    # and `signin_lock_after` failures of one username lock it for `signin_lock_minutes` (an admin
    # can unlock it sooner). An address shared by an office (NAT) gets more free failures.
    signin_free_failures: int = Field(default=3, ge=0)
    signin_address_free_failures: int = Field(default=20, ge=0)
    signin_delay_base_s: float = Field(default=1.0, gt=0)
    signin_delay_max_s: float = Field(default=60.0, gt=0)
    signin_lock_after: int = Field(default=10, ge=1)
    signin_lock_minutes: float = Field(default=15.0, gt=0)
    signin_window_minutes: float = Field(default=15.0, gt=0)
    # argon2 checks of a password run at most this many at once per process (64 MiB each); a
    # sign-in that finds no free slot within `signin_queue_wait_s` is answered 503 with Retry-After.
    signin_max_concurrent: int = Field(default=4, ge=1)
    signin_queue_wait_s: float = Field(default=5.0, ge=0)
    # Passwords (services.password_policy): at least this long, not a common password, not the username.
    password_min_length: int = Field(default=10, ge=4, le=200)
    # A session or bearer token unused for this long expires (0: only `token_ttl_hours` ends it).
    token_idle_minutes: float = Field(default=30.0, ge=0)
    # Rate limits on anonymous intake (services.rate_limits, the `limits` library): the portal's
    # report form per client address, Open311 POST requests per api_key. The counters live in this
    # process (memory://) unless several processes share them in Redis: redis://host:6379/0 (needs
    # the `redis` package installed beside gridcity).
    rate_limit_storage: str = "memory://"
    portal_report_rate: str = "20/hour"
    open311_post_rate: str = "120/minute"

    # Production mode (GRIDCITY_PRODUCTION=true): the safe defaults a city's live installation must
    # have are enforced instead of assumed — no start without the personal-data key, the second
    # factor required where the city's setting says (docs/security.md). Off for development and the demo.
    production: bool = False
    # The roles that must sign in with a second factor (TOTP, docs/security.md#second-factor), e.g.
    # '["admin", "police"]'; unset: in production mode the admins and every role that may read
    # personal data in clear (services.second_factor), otherwise nobody (the demo, development).
    second_factor_roles: list[str] | None = None

    # Operations (docs/operations.md#metrics-logs-and-alerts). Logs: one JSON object per line on
    # stderr ("text": a line for a person) from the level up. /metrics answers the addresses of
    # these networks (default: this machine only) and any request with the bearer token when one
    # is set. /readyz gives each of its checks this long before it answers 503.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_allow: list[IPvAnyNetwork] = Field(
        default_factory=lambda: [ip_network("127.0.0.0/8"), ip_network("::1/128")]
    )
    metrics_token: str = Field(default="", repr=False)
    readyz_timeout_s: float = Field(default=2.0, gt=0, le=60)
    # OpenTelemetry: a span per request, set up from the standard OTEL_* environment; needs the
    # `tracing` extra. Off: nothing of OpenTelemetry is imported.
    tracing: bool = False
    demo: bool = False  # demo mode: the demo users' password is printed at start
    # The assessment (绩效评价, docs/domain/assessment.md): a city's TOML file of weights, bands,
    # limits, grades and peer groups laid over data/assessment/default.toml; None: the defaults.
    assessment_config: Path | None = None

    @field_validator("sqlite_synchronous", mode="before")
    @classmethod
    def _upper_synchronous(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_second_factor_roles(self) -> Settings:
        """A role the platform does not have stops the start with a message naming the setting."""
        known = {r.value for r in Role}
        unknown = sorted(set(self.second_factor_roles or []) - known)
        if unknown:
            raise ValueError(
                f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(sorted(known))} "
                "(environment variable GRIDCITY_SECOND_FACTOR_ROLES)"
            )
        return self

    @model_validator(mode="after")
    def _check_escalation(self) -> Settings:
        """A wrong escalation setting stops the start with a message naming it."""
        self.escalation_policy()
        return self

    def escalation_policy(self) -> EscalationPolicy:
        try:
            return EscalationPolicy.parse(
                self.escalation_steps, self.urgent_escalation_steps, self.supervision_after, self.yellow_ratio
            )
        except Invalid as exc:
            key = exc.details.get("key")
            where = f" (environment variable GRIDCITY_{str(key).upper()})" if key else ""
            raise ValueError(f"{exc.message}{where}") from None

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gridcity.db').as_posix()}"

    @cached_property
    def effective_attachments_dir(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"

    @model_validator(mode="after")
    def _check_assessment(self) -> Settings:
        """A wrong assessment configuration file stops the start with a message naming the key."""
        if self.assessment_config is not None:
            from gridcity.domain.assessment import load_config

            try:
                load_config(self.assessment_config)
            except Invalid as exc:
                raise ValueError(f"{exc.message} (environment variable GRIDCITY_ASSESSMENT_CONFIG)") from None
        return self

    @model_validator(mode="after")
    def _check_rates(self) -> Settings:
        """A rate the `limits` library cannot read ("10/hour", "120/minute") stops the start."""
        from limits import parse

        for name in ("portal_report_rate", "open311_post_rate"):
            try:
                parse(getattr(self, name))
            except ValueError:
                raise ValueError(
                    f"{getattr(self, name)!r} is not a rate such as '10/hour' (environment variable "
                    f"GRIDCITY_{name.upper()})"
                ) from None
        return self
