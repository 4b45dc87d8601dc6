"""Settings, from the environment (prefix GRIDCITY_) or a .env file; the defaults need no setup."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridcity.domain.errors import Invalid
from gridcity.domain.escalation import (
    DEFAULT_STEPS,
    DEFAULT_SUPERVISION_AFTER,
    DEFAULT_URGENT_STEPS,
    EscalationPolicy,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDCITY_", env_file=".env", extra="ignore")

    # Where the embedded database and the uploaded photos live when nothing else is configured.
    data_dir: Path = Path("gridcity-data")
    # sqlite:///path or postgresql+psycopg://user@host/db; empty → SQLite file in data_dir.
    database_url: str = ""
    attachments_dir: Path | None = None

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
    # 部件: how far from the reported point a component report looks for the component it is about
    component_link_radius_m: float = Field(default=20.0, gt=0, le=2000)

    # The key that encrypts residents' ID numbers and phones at rest (AES-256-GCM) and keys their
    # blind index: 32 bytes, base64. Empty: generated once into data_dir/personal-data.key (mode
    # 0600). Keep it with the backups but apart from them: without it the data cannot be read.
    personal_data_key: str = Field(default="", repr=False)

    # Patrol tracks (巡查轨迹, services.patrol): a supervisor's GPS points are personal location data,
    # deleted this many days after they were taken; the grids visited per day (巡查覆盖率) stay.
    patrol_retention_days: int = Field(default=90, ge=1, le=3660)

    # Production mode (GRIDCITY_PRODUCTION=true): the safe defaults a city's live installation must
    # have are enforced instead of assumed — no start without the personal-data key, the second
    # factor required where the city's setting says (docs/security.md). Off for development and the demo.
    production: bool = False
    demo: bool = False  # demo mode: the demo users' password is printed at start
    # The assessment (绩效评价, docs/domain/assessment.md): a city's TOML file of weights, bands,
    # limits, grades and peer groups laid over data/assessment/default.toml; None: the defaults.
    assessment_config: Path | None = None

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
