"""Published monthly rankings (月排名、月曝光): frozen snapshots of the evaluation of districts,
streets and departments, and what the public portal shows of them.

* Publishing evaluates the month as the cases stand now (`services.evaluation.evaluate`, the whole
  city) and stores every row exactly as evaluated — scope, peer group, every indicator with its
  numerator and denominator, composite, grade, rank — with the configuration used (weights,
  grade thresholds, peer groups). A snapshot is never updated afterwards: a case closed later does
  not move a published month.
* Publishing a month again is a correction: it needs a reason and makes version n + 1; the earlier
  versions stay readable. The public sees the latest version and that (and why, and when) it was
  corrected.
* Only a city-level leader (领导) or admin publishes, and only a month that has ended in the city's
  timezone.
* The public supervision list (月检查) names cases by number, class, street and days open only: no
  people, no descriptions, no contacts, no places.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import OrgUnit, RankingSnapshot
from gridcity.domain.assessment import (
    INDICATORS,
    Period,
    composite_of,
    local_month_of,
    month_period,
    previous_month,
)
from gridcity.domain.errors import Conflict, Forbidden, Invalid, NotFound
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.workflow import Role
from gridcity.services import evaluation, sweep
from gridcity.services.platform import Platform

# kind of ranking → (evaluation kind, level)
KINDS: dict[str, tuple[str, str | None]] = {
    "district": ("region", "district"),
    "street": ("region", "street"),
    "department": ("department", None),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "district": ("区", "Districts"),
    "street": ("街道", "Streets"),
    "department": ("专业部门", "Departments"),
}
PUBLISHERS = (Role.LEADER, Role.ADMIN)
MAX_REASON = 2000


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise Invalid(message("ranking.bad_kind", kind=kind), key="kind")
    return kind


def check_period(period: str) -> str:
    return month_period(period, "UTC").label  # the format only; raises Invalid


def may_publish(user: Principal) -> bool:
    """Whether the person may publish a month: a city-level leader (领导) or admin."""
    return user.role in PUBLISHERS and user.org_unit.kind == "city"


def _check_publisher(user: Principal | None) -> None:
    if user is None:  # the command line
        return
    if not may_publish(user):
        raise Forbidden(message("rankings.not_publisher"))


def ended_months(platform: Platform, n: int = 12) -> list[str]:
    """The last n months that have ended in the city's timezone, the newest first: the months one
    may publish."""
    months = [previous_month(platform.now(), platform.settings.timezone)]
    while len(months) < n:
        year, month = (int(x) for x in months[-1].split("-"))
        months.append(f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}")
    return months


def _ended(platform: Platform, period: str) -> Period:
    """The month, if it has ended in the city's timezone."""
    tz = platform.settings.timezone
    chosen, now = month_period(period, tz), platform.now()
    if chosen.end > now:
        current = local_month_of(now, tz)
        raise Invalid(message("rankings.not_ended", month=chosen.label, current=current), key="period")
    return chosen


def draft(platform: Platform, db: Session, period: str, kind: str) -> RankingSnapshot:
    """The ranking of (period, kind) as publishing it now would freeze it — a preview, not stored
    (its version is the one publishing would make). Refused for a month that has not ended."""
    check_kind(kind)
    chosen, now = _ended(platform, period), platform.now()
    eval_kind, level = KINDS[kind]
    result = evaluation.evaluate(platform, db, None, chosen, eval_kind, level, as_of=now)
    cfg = evaluation.config(platform)
    composite = composite_of(result.kind, result.level)
    config = {
        "source": result.config_source,
        "as_of": result.as_of.isoformat(),
        "composite": composite,
        "indicators": [
            {
                "key": ind.key,
                "label": ind.zh,
                "label_en": ind.en,
                "unit": ind.unit.value,
                "lower_is_better": not ind.higher_is_better,
                "weight": float(result.weights.get(ind.key, 0)),
            }
            for ind in INDICATORS[composite]
        ],
        "grades": {g: float(score) for g, score in cfg.grades},
        "lowest_grade": cfg.lowest_grade,
        "peer_groups": {g.name: list(g.districts) for g in cfg.peer_groups} if kind == "district" else {},
    }
    return RankingSnapshot(
        period=chosen.label,
        kind=kind,
        version=_last_version(db, chosen.label, kind) + 1,
        published_at=now,
        reason="",
        rows=[evaluation.row_view(r) for r in result.rows],
        config=config,
    )


def publish(
    platform: Platform, db: Session, user: Principal | None, period: str, kind: str, reason: str | None = None
) -> RankingSnapshot:
    """Freeze the ranking of (period, kind) as evaluated now: version 1, or with a reason the
    next version (a correction). `user` None: the command line (the whole city)."""
    _check_publisher(user)
    check_kind(kind)
    label = _ended(platform, period).label
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise Invalid(message("rankings.reason_long", limit=MAX_REASON), key="reason")
    last = _last_version(db, label, kind)
    if last and not reason:
        kind_zh = KIND_LABELS[kind][0]
        needs = message("rankings.needs_reason", month=label, kind=kind, kind_zh=kind_zh, version=last)
        raise Conflict(needs)
    snapshot = draft(platform, db, label, kind)
    snapshot.reason = reason
    snapshot.published_by = getattr(user, "id", None)
    try:
        with unit_of_work(db):
            db.add(snapshot)
    except IntegrityError:
        raise Conflict(
            message("rankings.published_meanwhile", month=label, kind=kind, kind_zh=KIND_LABELS[kind][0])
        ) from None
    return snapshot


def _last_version(db: Session, period: str, kind: str) -> int:
    found = db.scalar(
        select(func.max(RankingSnapshot.version)).where(
            RankingSnapshot.period == period, RankingSnapshot.kind == kind
        )
    )
    return int(found or 0)


def latest(db: Session, period: str, kind: str, version: int | None = None) -> RankingSnapshot:
    """The published snapshot of (period, kind): the latest version, or the one asked for."""
    check_kind(kind)
    check_period(period)
    stmt = select(RankingSnapshot).where(RankingSnapshot.period == period, RankingSnapshot.kind == kind)
    if version is not None:
        stmt = stmt.where(RankingSnapshot.version == version)
    found = db.scalar(stmt.order_by(RankingSnapshot.version.desc()).limit(1))
    if found is None:
        if version is not None:
            raise NotFound(
                message(
                    "ranking.version_not_published",
                    version=version,
                    kind=kind,
                    period=period,
                    kind_zh=KIND_LABELS[kind][0],
                )
            )
        raise NotFound(
            message("ranking.not_published", kind=kind, period=period, kind_zh=KIND_LABELS[kind][0])
        )
    return found


def versions(db: Session, period: str, kind: str) -> list[RankingSnapshot]:
    """Every published version of (period, kind), oldest first (empty: never published)."""
    check_kind(kind)
    check_period(period)
    stmt = (
        select(RankingSnapshot)
        .where(RankingSnapshot.period == period, RankingSnapshot.kind == kind)
        .order_by(RankingSnapshot.version)
    )
    return list(db.scalars(stmt))


def last_versions(db: Session) -> dict[tuple[str, str], int]:
    """(period, kind) → the latest published version, for every published ranking."""
    stmt = select(RankingSnapshot.period, RankingSnapshot.kind, func.max(RankingSnapshot.version)).group_by(
        RankingSnapshot.period, RankingSnapshot.kind
    )
    return {(p, k): int(v) for p, k, v in db.execute(stmt)}


def published(db: Session) -> list[tuple[str, str]]:
    """(period, kind) of every published ranking, the newest month first."""
    stmt = select(RankingSnapshot.period, RankingSnapshot.kind).distinct()
    pairs = [(p, k) for p, k in db.execute(stmt)]
    order = list(KINDS)
    by_kind = sorted(pairs, key=lambda pk: order.index(pk[1]) if pk[1] in order else len(order))
    return sorted(by_kind, key=lambda pk: pk[0], reverse=True)


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The rows of one peer group (districts) or of the whole table, with the best and worst."""

    name: str | None
    rows: list[dict[str, Any]]
    best: list[dict[str, Any]]
    worst: list[dict[str, Any]]


def best_and_worst(snapshot: RankingSnapshot, n: int = 3) -> list[Group]:
    """Per peer group (districts; one group for streets and departments) its rows in rank order and
    the best n and worst n ranked rows (no overlap: with fewer than 2n ranked rows, the better half
    are best and the rest worst; a single ranked row is best only). Unranked rows (no composite)
    are neither."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for row in snapshot.rows:
        key = row.get("peer_group") if snapshot.kind == "district" else None
        groups.setdefault(key, []).append(row)
    out = []
    for name, rows in groups.items():
        ranked = sorted((r for r in rows if r.get("rank") is not None), key=lambda r: r["rank"])
        k = min(n, (len(ranked) + 1) // 2)
        best = ranked[:k]
        worst = [r for r in ranked[len(ranked) - min(n, len(ranked) - k) :]][::-1] if len(ranked) > k else []
        out.append(Group(name, rows, best, worst))
    order = list((snapshot.config or {}).get("peer_groups") or {})
    return sorted(out, key=lambda g: (g.name is None, order.index(g.name) if g.name in order else len(order)))


def snapshot_view(snapshot: RankingSnapshot, all_versions: int | None = None) -> dict[str, Any]:
    """A snapshot as the API returns it."""
    return {
        "period": snapshot.period,
        "kind": snapshot.kind,
        "version": snapshot.version,
        "versions": all_versions,
        "corrected": snapshot.version > 1,
        "reason": snapshot.reason or None,
        "published_at": snapshot.published_at.isoformat(),
        "published_by": snapshot.published_by,
        "config": snapshot.config,
        "rows": snapshot.rows,
    }


def version_view(snapshot: RankingSnapshot) -> dict[str, Any]:
    return {
        "version": snapshot.version,
        "published_at": snapshot.published_at.isoformat(),
        "published_by": snapshot.published_by,
        "reason": snapshot.reason or None,
        "rows": len(snapshot.rows),
    }


def table(snapshot: RankingSnapshot) -> tuple[list[str], list[list[Any]]]:
    """The snapshot as one flat table (header, rows) for the CSV and the terminal."""
    indicators = snapshot.config.get("indicators", [])
    header = ["排名 rank", "组 group", "代码 code", "名称 name"]
    for ind in indicators:
        header += [f"{ind['label']}", f"{ind['label']} 分子", f"{ind['label']} 分母"]
    # the ranks by the 12345 rates, on their own lists (snapshots published before them have none)
    ranked = [ind for ind in indicators if any(ind["key"] in r.get("rate_ranks", {}) for r in snapshot.rows)]
    header += [f"{ind['label']} 排名" for ind in ranked]
    header += ["综合 composite", "等级 grade"]
    body = []
    for row in snapshot.rows:
        line: list[Any] = [
            row.get("rank"),
            row.get("peer_group") or "",
            row["scope"]["code"],
            row["scope"]["name"],
        ]
        for ind in indicators:
            item = row["indicators"].get(ind["key"], {})
            line += [item.get("value"), item.get("numerator"), item.get("denominator")]
        line += [row.get("rate_ranks", {}).get(ind["key"]) for ind in ranked]
        line += [row.get("composite"), row.get("grade")]
        body.append(line)
    return header, body


@dataclass(frozen=True)
class PublicSupervision:
    """One line of the public supervision list: nothing about people, nothing said in the case."""

    number: str
    class_name: str
    street: str
    days_open: int
    closed: bool


def public_supervision(platform: Platform, db: Session, month: str) -> list[PublicSupervision]:
    """The month's supervision list (月检查) for the public: number, class, street, days open (to
    the closure, or to now while open)."""
    items = sweep.supervision_list(db, month)
    codes = {item.case.street_code for item in items}
    names = (
        {c: n for c, n in db.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(codes)))}
        if codes
        else {}
    )
    now = platform.now()
    out = []
    for item in items:
        case = item.case
        end: datetime = case.closed_at or now
        out.append(
            PublicSupervision(
                number=platform.case_number(case),
                class_name=case.class_name,
                street=names.get(case.street_code, case.street_code),
                days_open=max(0, (end - case.reported_at).days),
                closed=case.closed_at is not None,
            )
        )
    return out
