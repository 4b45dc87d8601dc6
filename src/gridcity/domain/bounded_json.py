"""JSON from people and other systems, parsed within bounds: a document nested deeper than a
limit, or holding more arrays than a limit (a GeoJSON file's coordinate positions), is refused
with a clear message (422) before the parser builds anything, instead of a RecursionError deep
inside the parser or later code (a 500) or a parse that eats the server's memory.

The check is one pass over the text at C speed (string literals blanked by a regular expression,
the brackets kept by `bytes.translate`, their running depth summed by `itertools.accumulate`):
about a sixth of the cost of the parse itself."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message

# Deeper than anything the platform reads (a GeoJSON MultiPolygon in a FeatureCollection is 7
# levels), far below the interpreter's recursion limit (about 1,000 frames).
MAX_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string literal, escapes included
_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_STEP = [0] * 256
for _open in b"[{":
    _STEP[_open] = 1
for _close in b"]}":
    _STEP[_close] = -1


def check(
    data: bytes | str, source: str, *, max_depth: int = MAX_DEPTH, max_arrays: int | None = None
) -> None:
    """Refuse `data` if it nests deeper than `max_depth` or holds more than `max_arrays` arrays
    (`source` names it in the message). Text that is not JSON passes: the parser says why."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    brackets = _STRING.sub(b'""', raw).translate(None, _NOT_BRACKETS)
    if max_arrays is not None and brackets.count(b"[") > max_arrays:
        raise Invalid(message("bounds.too_many_positions", source=source, limit=max_arrays))
    if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > max_depth:
        raise Invalid(message("bounds.json_too_deep", source=source, limit=max_depth))


def loads(
    data: bytes | str, source: str, *, max_depth: int = MAX_DEPTH, max_arrays: int | None = None
) -> Any:
    """`json.loads` after `check`. A JSON syntax error stays a `json.JSONDecodeError` (the caller
    has its own words for a file that is not JSON)."""
    check(data, source, max_depth=max_depth, max_arrays=max_arrays)
    try:
        return json.loads(data)
    except RecursionError:  # cannot happen below MAX_DEPTH; kept as the last line of defence
        raise Invalid(message("bounds.json_too_deep", source=source, limit=max_depth)) from None
