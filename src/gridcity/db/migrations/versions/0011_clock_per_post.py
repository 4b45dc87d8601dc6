"""a clock per post: the supervision list says which department stage was late; the post rollups
count intake and decisions on time; open cases run the clock of the post that acts now

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:30:00

Open cases written before this revision ran one clock for 立案 and 派遣 and none while waiting
for intake or closure. Here: an accepted case's running clock becomes the filing post's; a void
request's the decision's; a report waiting for intake gets the intake clock (10 minutes, the
default of data/classes/defaults.toml) from the moment it arrived or was sent back, a checked case
the closing clock (30 minutes) from its check. A department's request already waiting keeps its
disposal clock running until it is decided (the clock is parked only for requests made from now).
The rollups' rules change (domain.rollups.DEFINITIONS): revision 0012 has `gridcity db upgrade`
recount them (until then evaluations count from the cases).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POST_COUNTERS = ("intake_timed", "intake_on_time", "decisions_timed", "decisions_on_time")
_NEW_CLOCKS = {"reported": ("accept", 600.0), "checked": ("close", 1800.0)}  # state → (post, limit s)


def upgrade() -> None:
    with op.batch_alter_table("supervision_entries") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("rollup_posts") as batch:
        for name in _POST_COUNTERS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE cases SET stage = 'file' WHERE state = 'accepted' AND stage = 'dispatch'"))
    bind.execute(
        sa.text("UPDATE cases SET stage = 'decide' WHERE state = 'void_requested' AND stage = 'dispatch'")
    )
    _start_new_clocks(bind)
    _describe_entries(bind)


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored(bind: sa.Connection, value: datetime) -> datetime:
    return value.replace(tzinfo=None) if bind.dialect.name == "sqlite" else value


def _start_new_clocks(bind: sa.Connection) -> None:
    """The intake clock of the reports waiting, the closing clock of the checked cases: from the
    moment the case entered its state (the last history row that moved it there)."""
    rows = bind.execute(
        sa.text(
            "SELECT c.id, c.state, c.reported_at, "
            "(SELECT max(e.at) FROM case_events e WHERE e.case_id = c.id AND e.to_state = c.state "
            "AND (e.from_state IS NULL OR e.from_state <> e.to_state)) AS entered "
            "FROM cases c WHERE c.state IN ('reported', 'checked') AND c.stage IS NULL"
        )
    ).all()
    update = sa.text(
        "UPDATE cases SET stage = :stage, stage_started_at = :start, stage_unit = 'minutes', "
        "stage_budget_s = :budget, stage_paused_s = 0, stage_paused_since = NULL, "
        "stage_deadline = :deadline, stage_warned = 0, sweep_at = :start WHERE id = :id"
    )
    for row in rows:
        stage, budget = _NEW_CLOCKS[row.state]
        start = _utc(row.entered or row.reported_at)
        bind.execute(
            update,
            {
                "id": row.id,
                "stage": stage,
                "budget": budget,
                "start": _stored(bind, start),
                "deadline": _stored(bind, start + timedelta(seconds=budget)),
            },
        )


def _describe_entries(bind: sa.Connection) -> None:
    """The entries already on a list: the stage and deadline their escalation recorded, the
    case's department."""
    events = sa.table("case_events", sa.column("id"), sa.column("data", sa.JSON))
    entries = bind.execute(
        sa.text(
            "SELECT s.id, s.event_id, c.department_id FROM supervision_entries s "
            "JOIN cases c ON c.id = s.case_id"
        )
    ).all()
    for entry in entries:
        data: dict[str, Any] = {}
        if entry.event_id is not None:
            found = bind.execute(sa.select(events.c.data).where(events.c.id == entry.event_id)).scalar()
            data = found or {}
        deadline = data.get("deadline")
        bind.execute(
            sa.text(
                "UPDATE supervision_entries SET stage = :stage, department_id = :department, "
                "deadline = :deadline WHERE id = :id"
            ),
            {
                "id": entry.id,
                "stage": data.get("stage"),
                "department": entry.department_id,
                "deadline": _stored(bind, _utc(deadline)) if deadline else None,
            },
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE cases SET stage = 'dispatch' WHERE stage IN ('file', 'decide')"))
    bind.execute(
        sa.text(
            "UPDATE cases SET stage = NULL, stage_started_at = NULL, stage_unit = NULL, "
            "stage_budget_s = NULL, stage_deadline = NULL, sweep_at = NULL "
            "WHERE stage IN ('accept', 'close')"
        )
    )
    bind.execute(sa.text("UPDATE cases SET stage = 'dispose' WHERE stage = 'rework'"))
    with op.batch_alter_table("rollup_posts") as batch:
        for name in _POST_COUNTERS:
            batch.drop_column(name)
    with op.batch_alter_table("supervision_entries") as batch:
        batch.drop_column("deadline")
        batch.drop_column("department_id")
        batch.drop_column("stage")
