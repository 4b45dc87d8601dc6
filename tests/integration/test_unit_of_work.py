"""The one unit of work every writer goes through (db.engine.unit_of_work): it commits whole, rolls
back whole, refuses to nest, and on SQLite queues the writers of one process on one lock."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from gridcity.db.engine import NestedUnitOfWork, unit_of_work
from gridcity.db.models import CalendarDay
from gridcity.services.platform import Platform

DAY = date(2031, 5, 6)


def _stored(platform: Platform, day: date) -> CalendarDay | None:
    with platform.sessions() as other:
        return other.scalar(select(CalendarDay).where(CalendarDay.day == day))


def test_a_unit_of_work_commits_what_it_wrote(platform: Platform) -> None:
    with platform.sessions() as db, unit_of_work(db):
        db.add(CalendarDay(day=DAY, is_workday=False, note="committed"))
    stored = _stored(platform, DAY)
    assert stored is not None and stored.note == "committed"


def test_an_error_rolls_the_whole_unit_back(platform: Platform) -> None:
    with platform.sessions() as db, pytest.raises(ValueError, match="refused"), unit_of_work(db):
        db.add(CalendarDay(day=date(2031, 5, 7), is_workday=False, note="half"))
        db.flush()  # written to the database inside the transaction, then undone
        raise ValueError("refused")
    assert _stored(platform, date(2031, 5, 7)) is None


def test_a_nested_unit_is_refused_and_the_outer_one_undone(platform: Platform) -> None:
    with platform.sessions() as db:
        with pytest.raises(NestedUnitOfWork), unit_of_work(db):
            db.add(CalendarDay(day=date(2031, 5, 8), is_workday=False, note="outer"))
            with unit_of_work(db):
                db.add(CalendarDay(day=date(2031, 5, 9), is_workday=False, note="inner"))
        assert _stored(platform, date(2031, 5, 8)) is None and _stored(platform, date(2031, 5, 9)) is None
        with unit_of_work(db):  # the session is usable again afterwards
            db.add(CalendarDay(day=date(2031, 5, 10), is_workday=True, note="after"))
    assert _stored(platform, date(2031, 5, 10)) is not None


@pytest.mark.backends("sqlite")
def test_on_sqlite_a_second_writer_waits_for_the_first(platform: Platform) -> None:
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with platform.sessions() as db, unit_of_work(db):
            db.add(CalendarDay(day=date(2031, 6, 1), is_workday=False, note="first"))
            inside.set()
            release.wait(10)
            order.append("first commits")

    def second() -> None:
        inside.wait(10)
        with platform.sessions() as db, unit_of_work(db):
            order.append("second writes")
            db.add(CalendarDay(day=date(2031, 6, 2), is_workday=False, note="second"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inside.wait(10)
    threading.Event().wait(0.2)  # room for the second writer to run ahead if nothing held it
    assert order == []
    release.set()
    for t in threads:
        t.join(10)
    assert order == ["first commits", "second writes"]
    assert _stored(platform, date(2031, 6, 1)) is not None and _stored(platform, date(2031, 6, 2)) is not None
