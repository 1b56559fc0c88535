"""Sorting and paging the instructor's tables (one row per trainee or question)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

Row = TypeVar("Row")
PER_PAGE = 50


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of a sorted table and how it was sorted."""

    rows: list[Row]
    number: int
    pages: int
    total: int
    sort: str
    descending: bool

    @property
    def first(self) -> int:
        return (self.number - 1) * PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * PER_PAGE, self.total)


def sort_rows(
    rows: Sequence[Row],
    keys: Mapping[str, Callable[[Row], Any]],
    sort: str | None,
    order: str | None,
) -> tuple[list[Row], str, bool]:
    """Rows sorted by the named key (the first key if unknown), ties in their given order;
    rows without a value (nothing answered yet) come last either way."""
    name = sort if sort in keys else next(iter(keys))
    descending = order == "desc"
    key = keys[name]
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    present.sort(key=key, reverse=descending)
    return present + missing, name, descending


def paginate(
    rows: Sequence[Row],
    keys: Mapping[str, Callable[[Row], Any]],
    *,
    sort: str | None,
    order: str | None,
    page: str | None,
) -> Page[Row]:
    """The requested page (the last one if past the end) of the sorted rows."""
    ordered, name, descending = sort_rows(rows, keys, sort, order)
    pages = max(1, ceil(len(ordered) / PER_PAGE))
    number = int(page) if page and page.isdigit() and int(page) > 0 else 1
    number = min(number, pages)
    start = (number - 1) * PER_PAGE
    return Page(ordered[start : start + PER_PAGE], number, pages, len(ordered), name, descending)
