"""Monthly indicators, composite scores and grades (绩效评价, docs/domain/assessment.md) for regions,
departments and posts — for the API (`GET /api/v1/evaluations`), the CLI (`gridcity evaluate`)
and the benches.

The work is split the way it will scale: `db.evaluation` counts the facts of a period with a few
set-based GROUP BY queries (one vector of counts per scope key), and `domain.assessment` turns
each vector into indicators, composite and grade. What every number means is written once, in
`domain.assessment`. Evaluation reads only; it never writes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db import evaluation as facts_db
from gridcity.db import rollups as rollups_db
from gridcity.db.engine import unit_of_work
from gridcity.db.models import Case, Grid, OrgUnit, User
from gridcity.domain.assessment import (
    CASE_FACTS,
    INDICATORS,
    LEVEL_LABELS,
    POST_FACTS,
    Assessment,
    AssessmentConfig,
    Period,
    ScopeKind,
    assess,
    check_scope,
    composite_of,
    load_config,
    rank,
    rounded,
    shown,
    whole_months,
)
from gridcity.domain.errors import Forbidden, Invalid
from gridcity.domain.messages import message
from gridcity.domain.principal import Principal
from gridcity.domain.rollups import RollupRules
from gridcity.domain.workflow import Role
from gridcity.services import patrol, supervisor_grids
from gridcity.services.platform import Platform
from gridcity.services.spreadsheet_cells import xlsx_row

# Every table of the assessment: (kind, level).
TABLES: tuple[tuple[str, str | None], ...] = (
    ("region", "district"),
    ("region", "street"),
    ("region", "community"),
    ("region", "grid"),
    ("department", None),
    ("post", "supervisor"),
    ("post", "operator"),
    ("post", "shift_leader"),
    ("post", "dispatcher"),
)

# Who may read evaluations, and of which area: their organisation unit's territory.
READERS = (Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER)

# --- configuration ---------------------------------------------------------------------------

_config_lock = threading.Lock()
_configs: dict[tuple[str, float], AssessmentConfig] = {}


def config(platform: Platform) -> AssessmentConfig:
    """The assessment configuration of this installation (re-read when its file changes)."""
    path: Path | None = platform.settings.assessment_config
    stamp = path.stat().st_mtime if path is not None and path.exists() else 0.0
    key = (str(path or ""), stamp)
    with _config_lock:
        if key not in _configs:
            if len(_configs) > 16:
                _configs.clear()
            _configs[key] = load_config(path)
        return _configs[key]


def rollup_rules(platform: Platform) -> RollupRules:
    """The configuration the rollups are counted under (`domain.rollups`). The same rules object
    while the configuration stays the same: it carries the month table every counted change uses."""
    cfg = config(platform)
    return _rules(
        platform.settings.timezone,
        frozenset(cfg.public_channels),
        cfg.dissatisfied_at_most,
        float(cfg.verify_dispatch_within.amount * 60),
        float(cfg.check_dispatch_within.amount * 60),
        float(cfg.close_within.amount * 60),
        float(cfg.respond_within.amount * 60),
    )


@functools.lru_cache(maxsize=16)
def _rules(*values: Any) -> RollupRules:
    return RollupRules(*values)


def rollups_usable(platform: Platform, db: Session) -> bool:
    """True when the stored rollups were counted under the platform's current rules. Rollups kept
    from the start that have counted nothing yet (the first count names its rules) are empty, so
    they take the current rules."""
    connection = db.connection()
    fingerprint, present = rollups_db.state(connection)
    current = rollup_rules(platform).fingerprint()
    if not present:
        return False
    if fingerprint is None:
        with unit_of_work(db):
            rollups_db.set_state(connection, current, platform.now())
        return True
    return fingerprint == current


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One scope's assessment: who or what (code / id, name), its facts, indicators, composite."""

    scope: dict[str, Any]
    facts: dict[str, int]
    assessment: Assessment
    peer_group: str | None = None
    rank: int | None = None
    # the row's rank by each of `RANKED_RATES` on its own (None: no value, or not ranked by it)
    rate_ranks: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    period: Period
    kind: ScopeKind
    level: str
    as_of: datetime
    area: str  # the territory code the rows are limited to ('' = the whole city)
    config_source: str
    rows: list[Row] = field(default_factory=list)
    weights: dict[str, Fraction] = field(default_factory=dict)  # of the composite, from the config
    counted_from: str = "cases"  # "rollups" or "cases": where the facts were read


def reader_area(user: Principal | None) -> str:
    """The territory whose rows a reader sees; Forbidden for roles that do not read evaluations."""
    if user is None:  # the command line: the whole city
        return ""
    if user.role not in READERS:
        raise Forbidden(message("evaluation.readers"))
    unit = user.org_unit
    if unit.kind == "department":
        raise Forbidden(message("evaluation.platform_only"))
    return str(unit.scope_code or "")


def evaluate(
    platform: Platform,
    db: Session,
    user: Principal | None,
    period: Period,
    kind: str | None = None,
    level: str | None = None,
    as_of: datetime | None = None,
    source: str = "auto",
) -> Evaluation:
    """Every row of one table — (kind, level) over the period — that `user` may see (None: all),
    judged at `as_of`. The cases are read as they stand, so `as_of` is meant to be now (the
    default; tests and benches move the platform's clock or name a moment after all their data).

    `source`: "rollups" reads the monthly rollups (whole months only), "cases" counts from the
    cases and the history, "auto" (the default) the rollups when the period is whole months and
    the rollups are counted under the current rules, else the cases. Both give the same figures
    (tests/integration/test_rollups.py)."""
    scope_kind, scope_level = check_scope(kind, level)
    if source not in ("auto", "rollups", "cases"):
        raise Invalid(message("evaluation.unknown_source", source=source), key="source")
    area = reader_area(user)
    moment = as_of or platform.now()
    cfg = config(platform)
    months = whole_months(period)
    use_rollups = source == "rollups" or (source == "auto" and months is not None)
    if use_rollups and (months is None or not rollups_usable(platform, db)):
        if source == "rollups":
            raise Invalid(
                message("evaluation.rollups_cannot"),
                key="source",
            )
        use_rollups = False
    facts = _Facts(
        db.connection(), period, moment, cfg, rollup_rules(platform), months if use_rollups else None
    )
    if scope_kind is ScopeKind.REGION:
        rows = _region_rows(db, facts, scope_level, area)
    elif scope_kind is ScopeKind.DEPARTMENT:
        rows = _department_rows(db, facts, area)
    else:
        rows = _post_rows(
            db, facts, scope_level, area, _Patrols.of(platform, db, period, moment, scope_level)
        )
    db.rollback()  # end the read transaction (no snapshot held open on PostgreSQL)
    weights = dict(cfg.composites[composite_of(scope_kind, scope_level)].weights)
    ranked = _ranked(rows, scope_level)
    counted_from = "rollups" if use_rollups else "cases"
    return Evaluation(
        period, scope_kind, scope_level, moment, area, cfg.source, ranked, weights, counted_from
    )


# 接诉即办: Beijing ranks streets (and departments) by the 12345 rates on lists of their own, apart
# from the composite (docs/domain/assessment.md §12345): every region and department row has its
# rank by each rate, highest first, ties sharing a rank, rows without a value unranked.
RANKED_RATES = ("hotline_response_rate", "hotline_resolution_rate", "hotline_satisfaction_rate")


def _shown_score(value: Fraction | None) -> Fraction | None:
    return Fraction(rounded(value)) if value is not None else None


def _ranked(rows: list[Row], level: str) -> list[Row]:
    scores = [_shown_score(r.assessment.composite) for r in rows]
    groups = [r.peer_group for r in rows] if level == "district" else None
    ranks = rank(scores, groups)
    keys = {i.indicator.key for i in rows[0].assessment.indicators} if rows else set()
    by_rate = {
        key: rank([_shown_score(r.assessment.indicator(key).value) for r in rows], groups)
        for key in RANKED_RATES
        if key in keys
    }
    ranked = [
        Row(r.scope, r.facts, r.assessment, r.peer_group, n, {key: by_rate[key][i] for key in by_rate})
        for i, (r, n) in enumerate(zip(rows, ranks, strict=True))
    ]
    return sorted(
        ranked, key=lambda r: (r.peer_group or "", r.rank is None, r.rank or 0, str(r.scope["code"]))
    )


class _Assessor:
    """`assess` for the rows of one table, remembering equal fact vectors: most unit grids of a
    month share a handful of small vectors (no case, one case closed on time, …)."""

    def __init__(self, composite: str, period: Period, cfg: AssessmentConfig) -> None:
        self.composite, self.months, self.cfg = composite, period.months, cfg
        self.seen: dict[tuple[tuple[str, int], ...], Assessment] = {}

    def __call__(self, facts: dict[str, int]) -> Assessment:
        key = tuple(sorted(facts.items()))
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = assess(self.composite, facts, self.months, self.cfg)
        return found


# --- where the facts come from ---------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """The facts of one period, counted from the cases and the history (`db.evaluation`) or, for
    whole months, read from the rollups (`db.rollups`) — the same numbers either way."""

    connection: Any
    period: Period
    as_of: datetime
    cfg: AssessmentConfig
    rules: RollupRules
    months: list[str] | None  # set: read the rollups of these months

    def cases(self, level: str) -> dict[Any, dict[str, int]]:
        """Case facts per region code of `level`, or per department id (level 'department')."""
        start, end, channels = self.period.start, self.period.end, self.cfg.public_channels
        if self.months is not None:
            return rollups_db.case_facts(
                self.connection, level, self.months, start, end, self.as_of, self.rules.respond_within_s
            )
        key = Case.department_id if level == "department" else facts_db.REGION_COLUMNS[level]
        return facts_db.case_facts(
            self.connection,
            key,
            start,
            end,
            self.as_of,
            channels,
            self.cfg.dissatisfied_at_most,
            self.rules.respond_within_s,
        )

    def posts(self, post: str) -> tuple[dict[Any, dict[str, int]], facts_db.PublicReports | None]:
        """Post facts per person, and for supervisors the valid public reports per area (漏报)."""
        if self.months is not None:
            public = rollups_db.public_reports(self.connection, self.months) if post == "supervisor" else None
            return rollups_db.post_facts(self.connection, post, self.months), public
        start, end, rules = self.period.start, self.period.end, self.rules
        if post == "supervisor":
            return facts_db.supervisor_facts(self.connection, start, end, self.cfg.public_channels)
        if post == "operator":
            counted = facts_db.operator_facts(
                self.connection, start, end, rules.verify_within_s, rules.check_within_s
            )
        elif post == "shift_leader":
            counted = facts_db.shift_leader_facts(self.connection, start, end, rules.close_within_s)
        else:
            counted = facts_db.dispatcher_facts(self.connection, start, end)
        return counted, None


# --- regions ---------------------------------------------------------------------------------


def _region_rows(db: Session, facts: _Facts, level: str, area: str) -> list[Row]:
    period, as_of, cfg = facts.period, facts.as_of, facts.cfg
    counted = facts.cases(level)
    grids = facts_db.grid_counts(facts.connection, level, as_of)
    names = _region_names(db, level, area, as_of)
    keys = {k for k in names} | {k for k in counted if str(k).startswith(area)}
    assessor = _Assessor("region", period, cfg)
    rows = []
    for code in sorted(keys):
        values = dict(counted.get(code) or _zero_case_facts())
        values["grids"] = grids.get(code, 0)
        scope = {"kind": "region", "level": level, "code": code, "name": names.get(code, code)}
        peer = cfg.peer_group_of(code) if level == "district" else None
        rows.append(Row(scope, values, assessor(values), peer))
    return rows


def _zero_case_facts() -> dict[str, int]:
    return dict.fromkeys(CASE_FACTS, 0)


def _region_names(db: Session, level: str, area: str, moment: datetime) -> dict[str, str]:
    if level == "grid":
        stmt = select(Grid.code).where(*facts_db.current_grids(moment))
        if area:
            stmt = stmt.where(Grid.code.startswith(area))
        return {code: f"网格 {code}" for code in db.scalars(stmt)}
    stmt2 = select(OrgUnit.code, OrgUnit.name).where(OrgUnit.kind == level)
    if area:
        stmt2 = stmt2.where(OrgUnit.code.startswith(area))
    return {code: name for code, name in db.execute(stmt2)}


# --- departments -----------------------------------------------------------------------------


def _department_rows(db: Session, facts: _Facts, area: str) -> list[Row]:
    period, cfg = facts.period, facts.cfg
    counted = facts.cases("department")
    stmt = select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.scope_code).where(
        OrgUnit.kind == "department"
    )
    if area:
        stmt = stmt.where(OrgUnit.scope_code.startswith(area))
    assessor = _Assessor("department", period, cfg)
    rows = []
    for unit_id, code, name, scope_code in db.execute(stmt):
        values = dict(counted.get(unit_id) or _zero_case_facts())
        scope = {
            "kind": "department",
            "level": "department",
            "id": unit_id,
            "code": code,
            "name": name,
            "area": scope_code or "",
        }
        rows.append(Row(scope, values, assessor(values)))
    return rows


# --- posts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Patrols:
    """What the supervisors' rows take from their grids: the grids each held at the end of the
    period (漏报 in their own grids) and the patrol coverage facts (巡查覆盖率)."""

    held: dict[int, set[str]]
    coverage: dict[int, dict[str, int]]

    @classmethod
    def of(
        cls, platform: Platform, db: Session, period: Period, as_of: datetime, post: str
    ) -> _Patrols | None:
        if post != "supervisor":
            return None
        end_of_period = min(period.end - timedelta(microseconds=1), as_of)
        return cls(
            supervisor_grids.held_at(db, end_of_period),
            patrol.coverage_facts(platform, db, period.start, period.end, as_of),
        )


def _post_rows(
    db: Session, facts: _Facts, post: str, area: str, patrols: _Patrols | None = None
) -> list[Row]:
    period, cfg = facts.period, facts.cfg
    counted, public = facts.posts(post)
    stmt = (
        select(
            User.id,
            User.username,
            User.display_name,
            User.active,
            OrgUnit.code,
            OrgUnit.name,
            OrgUnit.scope_code,
        )
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.role == post, OrgUnit.kind != "department")
    )
    if area:
        stmt = stmt.where(OrgUnit.scope_code.startswith(area))
    assessor = _Assessor(post, period, cfg)
    rows = []
    for user_id, username, display_name, active, unit_code, unit_name, scope_code in db.execute(stmt):
        values = dict.fromkeys(POST_FACTS[post], 0)
        values.update(counted.get(user_id, {}))
        own_grids = patrols.held.get(user_id) if patrols is not None else None
        if public is not None:
            # 漏报 in their own grids; without grids, the area rule (domain.assessment)
            values["missed"] = public.in_grids(own_grids) if own_grids else public.within(scope_code or "")
        if patrols is not None:
            values.update(patrols.coverage.get(user_id, {}))
        if not active and not any(counted.get(user_id, {}).values()):
            continue  # a disabled account with nothing done in the period
        scope = {
            "kind": "post",
            "level": post,
            "id": user_id,
            "code": username,
            "name": display_name,
            "unit": {"code": unit_code, "name": unit_name},
        }
        if patrols is not None:
            scope["grids"] = len(own_grids or ())  # 责任网格 held at the end of the period
        rows.append(Row(scope, values, assessor(values)))
    return rows


# --- views -----------------------------------------------------------------------------------


def row_view(row: Row) -> dict[str, Any]:
    """A row as the API returns it: every indicator as {value, numerator, denominator} (value =
    numerator / denominator: a percentage, an average or a count per month, rounded half-up to 2
    places; null when the denominator is 0) and its score; the row's facts (the counts behind)."""
    indicators = {
        item.indicator.key: {
            "value": shown(item.value),
            "numerator": item.numerator,
            "denominator": item.denominator,
            "score": shown(item.score),
        }
        for item in row.assessment.indicators
    }
    return {
        "scope": row.scope,
        "peer_group": row.peer_group,
        "rank": row.rank,
        "rate_ranks": row.rate_ranks,
        "indicators": indicators,
        "composite": shown(row.assessment.composite),
        "grade": row.assessment.grade,
        "facts": row.facts,
    }


def evaluation_view(result: Evaluation, page: int = 1, page_size: int | None = None) -> dict[str, Any]:
    """The table as the API returns it: what was evaluated and how (the indicators with their
    labels, units and weights, once), then the rows — all, or one page of them in rank order."""
    composite = composite_of(result.kind, result.level)
    rows = result.rows
    if page_size is not None:
        rows = rows[(page - 1) * page_size : page * page_size]
    return {
        "period": result.period.label,
        "from": result.period.start.isoformat(),
        "to": result.period.end.isoformat(),
        "months": float(result.period.months),
        "as_of": result.as_of.isoformat(),
        "kind": result.kind.value,
        "level": result.level,
        "composite": composite,
        "area": result.area,
        "config": result.config_source,
        "counted_from": result.counted_from,
        "indicators": [
            {
                "key": ind.key,
                "label": ind.zh,
                "label_en": ind.en,
                "unit": ind.unit.value,
                "numerator": ind.numerator,
                "denominator": ind.denominator,
                "lower_is_better": not ind.higher_is_better,
                "weight": float(result.weights.get(ind.key, 0)),
            }
            for ind in INDICATORS[composite]
        ],
        "total": len(result.rows),
        "page": page,
        "page_size": page_size,
        "rows": [row_view(r) for r in rows],
    }


def table(result: Evaluation) -> tuple[list[str], list[list[Any]]]:
    """The evaluation as one flat table (header, rows) for terminals and spreadsheets: per
    indicator its value, numerator and denominator; the ranks by the 12345 rates; then composite
    and grade."""
    if not result.rows:
        indicators: Sequence[Any] = []
    else:
        indicators = [i.indicator for i in result.rows[0].assessment.indicators]
    header = ["排名 rank", "组 group", "代码 code", "名称 name"]
    for ind in indicators:
        header += [f"{ind.zh} ({ind.unit.label})", f"{ind.zh} 分子", f"{ind.zh} 分母"]
    ranked_rates = [ind.key for ind in indicators if ind.key in RANKED_RATES]
    header += [f"{ind.zh} 排名" for ind in indicators if ind.key in ranked_rates]
    header += ["综合 composite", "等级 grade"]
    body = []
    for row in result.rows:
        line: list[Any] = [row.rank, row.peer_group or "", row.scope["code"], row.scope["name"]]
        for item in row.assessment.indicators:
            line += [shown(item.value), item.numerator, item.denominator]
        line += [row.rate_ranks.get(key) for key in ranked_rates]
        line += [shown(row.assessment.composite), row.assessment.grade]
        body.append(line)
    return header, body


def workbook(results: Sequence[Evaluation]) -> bytes:
    """The tables as an XLSX workbook, one sheet each: a title, when and how it was evaluated, then
    the flat table of `table` (numbers as numbers, so a spreadsheet can recompute every value)."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for result in results:
        zh, en = LEVEL_LABELS[result.level]
        name = f"{zh} {en}"[:31]
        while name in used:
            name = name[:28] + f" {len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append(xlsx_row(sheet, [f"绩效评价 {result.period.label} {zh} {en}"]))
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(
            xlsx_row(
                sheet,
                [
                    f"期间 period {result.period.start.isoformat()} – {result.period.end.isoformat()}",
                    f"评价时间 as of {result.as_of.isoformat(timespec='seconds')}",
                    f"范围 area {result.area or '全市 city'}",
                    f"配置 config {result.config_source}",
                ],
            )
        )
        sheet.append([])
        header, body = table(result)
        sheet.append(xlsx_row(sheet, header))
        for cell in sheet[4]:
            cell.font = Font(bold=True)
        for line in body:
            sheet.append(xlsx_row(sheet, line))
        sheet.freeze_panes = "E5"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
