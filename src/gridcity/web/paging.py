"""Paging of long lists on pages (the admin's departments, the public class list): which slice of
the rows a page shows, and the pager under the list (`templates/_pager.html`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Query

from gridcity.web import i18n

T = TypeVar("T")

i18n.add_words({"pager.label": ("分页", "Pages"), "pager.total": ("共 {n} 条", "{n} in all")})

PageParam = Annotated[int, Query(ge=1, le=100_000, description="the page, from 1")]


@dataclass(frozen=True)
class Paging:
    """Page `page` (from 1) of `total` rows, `size` a page; a page past the end shows the last."""

    page: int
    size: int
    total: int

    @classmethod
    def of(cls, page: int, size: int, total: int) -> Paging:
        pages = max(1, -(-total // size))
        return cls(min(max(page, 1), pages), size, total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    def rows(self, seq: Sequence[T]) -> list[T]:
        return list(seq[self.offset : self.offset + self.size])

    def link(self, path: str, params: dict[str, str], page: int) -> str:
        """The address of another page of the same list (the same filters)."""
        kept = {k: v for k, v in params.items() if v}
        if page > 1:
            kept["page"] = str(page)
        return f"{path}?{urlencode(kept)}" if kept else path
