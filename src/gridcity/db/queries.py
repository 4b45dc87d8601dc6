"""Shared queries. One `CaseFilter` builds the case query for every list: API, pages, map, export."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, insert, or_, select, text
from sqlalchemy.orm import lazyload

from gridcity.db.models import Case, CaseEvent, Notification, OutboxMessage

SORTS = {
    "reported_at": Case.reported_at,
    "-reported_at": Case.reported_at.desc(),
    "deadline": Case.stage_deadline.asc().nulls_last(),
    "-deadline": Case.stage_deadline.desc().nulls_last(),
    "updated_at": Case.updated_at,
    "-updated_at": Case.updated_at.desc(),
}


@dataclass
class CaseFilter:
    states: Sequence[str] = ()
    class_codes: Sequence[str] = ()
    network: str | None = None
    channel: str | None = None
    district_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    grid_code: str | None = None
    department_id: int | None = None
    overdue: bool | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    ids: Sequence[int] = ()
    text: str | None = None
    sort: str = "-reported_at"
    extra: list[ColumnElement[bool]] = field(default_factory=list)

    def clauses(self, now: datetime) -> list[ColumnElement[bool]]:
        c: list[ColumnElement[bool]] = list(self.extra)
        if self.states:
            c.append(Case.state.in_(list(self.states)))
        if self.class_codes:
            c.append(Case.class_code.in_(list(self.class_codes)))
        for column, value in (
            (Case.network, self.network),
            (Case.channel, self.channel),
            (Case.district_code, self.district_code),
            (Case.street_code, self.street_code),
            (Case.community_code, self.community_code),
            (Case.grid_code, self.grid_code),
            (Case.department_id, self.department_id),
        ):
            if value is not None:
                c.append(column == value)
        if self.overdue is True:
            c.append(and_(Case.stage_deadline.is_not(None), Case.stage_deadline < now))
        elif self.overdue is False:
            c.append(or_(Case.stage_deadline.is_(None), Case.stage_deadline >= now))
        if self.reported_from is not None:
            c.append(Case.reported_at >= self.reported_from)
        if self.reported_to is not None:
            c.append(Case.reported_at < self.reported_to)
        if self.updated_from is not None:
            c.append(Case.updated_at >= self.updated_from)
        if self.updated_to is not None:
            c.append(Case.updated_at < self.updated_to)
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            c.append(Case.lon.between(min_lon, max_lon))
            c.append(Case.lat.between(min_lat, max_lat))
        if self.ids:
            c.append(Case.id.in_(list(self.ids)))
        if self.text:
            like = f"%{self.text}%"
            c.append(or_(Case.description.like(like), Case.address.like(like)))
        return c

    def select(self, now: datetime) -> Select[Case]:
        """The cases of a list: without their history and cooperating units, which a list never
        shows (loading them eagerly made a 3,000-case map window several times slower)."""
        return (
            select(Case)
            .options(lazyload(Case.events), lazyload(Case.cooperating))
            .where(*self.clauses(now))
            .order_by(SORTS[self.sort], Case.id.desc())
        )

    def columns(self, now: datetime, *columns: Any) -> Select[Any]:
        """The same list (filters and order) as `select`, as rows of exactly `columns`: what a view
        that shows many cases reads, without building ORM objects (a map window of 20,000)."""
        return select(*columns).where(*self.clauses(now)).order_by(SORTS[self.sort], Case.id.desc())

    def count(self, now: datetime) -> Select[int]:
        return select(func.count()).select_from(Case).where(*self.clauses(now))


# --- writing what a change leaves behind ----------------------------------------------------

# PostgreSQL: the history row, its notifications and the outbox message in one statement, one
# round trip (a report or an action is otherwise bound by round trips, not by work).
_CHANGE_PG = text(
    """
    WITH ev AS (
        INSERT INTO case_events
            (case_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state, note, data,
             request_id)
        VALUES (:case_id, :seq, :at, :actor_id, :actor_name, :actor_role, :action, :from_state, :to_state,
                :note, CAST(:data AS JSON), :request_id)
        RETURNING id
    ), nt AS (
        INSERT INTO notifications (user_id, role, org_unit_id, case_id, event_id, kind, text, created_at)
        SELECT n.user_id, n.role, n.org_unit_id, :case_id, ev.id, n.kind, n.text, :at
        FROM ev, json_to_recordset(CAST(:notes AS JSON))
            AS n(user_id integer, role text, org_unit_id integer, kind text, text text)
    ), ob AS (
        INSERT INTO outbox (topic, case_id, payload, created_at, request_id)
        VALUES (:topic, :case_id, CAST(:payload AS JSON), :at, :request_id)
    )
    SELECT id FROM ev
    """
)


def insert_change(
    connection: Connection,
    event: dict[str, Any],
    notes: list[dict[str, Any]],
    message: dict[str, Any],
) -> int:
    """Insert a history row, its notifications and its outbox message; returns the row's id."""
    if connection.dialect.name == "postgresql":
        params = {
            **event,
            "data": json.dumps(event["data"], ensure_ascii=False),
            "notes": json.dumps(notes, ensure_ascii=False),
            "topic": message["topic"],
            "payload": json.dumps(message["payload"], ensure_ascii=False),
            # one request made the change: its id goes on the history row and the outbox message
            "request_id": event.get("request_id"),
        }
        return int(connection.execute(_CHANGE_PG, params).scalar_one())
    event_id = int(connection.execute(insert(CaseEvent).returning(CaseEvent.id), event).scalar_one())
    if notes:
        at = event["at"]
        connection.execute(
            insert(Notification),
            [{**n, "case_id": event["case_id"], "event_id": event_id, "created_at": at} for n in notes],
        )
    connection.execute(insert(OutboxMessage), [message])
    return event_id


def insert_changes(
    connection: Connection,
    events: Sequence[dict[str, Any]],
    notes: Sequence[Sequence[dict[str, Any]]],
    messages: Sequence[dict[str, Any]],
) -> list[int]:
    """`insert_change` for many history rows at once (the deadline sweep's batches): the rows in
    one multi-row INSERT … RETURNING, then all their notifications and outbox messages, each in one
    executemany. `notes[i]` and `messages[i]` belong to `events[i]`. Returns the rows' ids in order."""
    if not events:
        return []
    stmt = insert(CaseEvent).returning(CaseEvent.id, sort_by_parameter_order=True)
    ids = [int(i) for i in connection.execute(stmt, list(events)).scalars().all()]
    note_rows = [
        {**n, "case_id": event["case_id"], "event_id": event_id, "created_at": event["at"]}
        for event, event_id, rows in zip(events, ids, notes, strict=True)
        for n in rows
    ]
    if note_rows:
        connection.execute(insert(Notification), note_rows)
    connection.execute(insert(OutboxMessage), list(messages))
    return ids
