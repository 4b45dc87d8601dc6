"""Progress reporting for long services, without tying them to a terminal.

Services call `progress.track(items, total, "description")`; the CLI passes a Rich progress bar,
everything else the silent default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    def track(self, items: Iterable[T], total: int | None, description: str) -> Iterator[T]: ...

    def note(self, message: str) -> None: ...


class Silent:
    def track(self, items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
        yield from items

    def note(self, message: str) -> None:
        pass


SILENT = Silent()
