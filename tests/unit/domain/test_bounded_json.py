"""JSON parsed within bounds (domain/bounded_json.py): nesting is counted outside string
literals only, a document deeper than the bound or with more arrays than asked is refused with a
clear message before it is parsed, and everything within the bounds parses as `json.loads` does."""

from __future__ import annotations

import json

import pytest

from gridcity.domain import bounded_json
from gridcity.domain.errors import Invalid


def test_a_document_within_the_bounds_parses_as_json_does() -> None:
    text = '{"type": "Polygon", "coordinates": [[[116.4, 39.9], [116.5, 39.9], [116.4, 39.8]]]}'
    assert bounded_json.loads(text, "grids.geojson") == json.loads(text)
    assert bounded_json.loads(text.encode(), "grids.geojson", max_arrays=5) == json.loads(text)


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"name": "[" * 500 + '\\" {{{', "note": '"]]]"'})
    assert bounded_json.loads(text, "x")["name"].startswith("[[[")


def test_a_document_one_level_too_deep_is_refused_naming_its_source() -> None:
    limit = bounded_json.MAX_DEPTH
    assert bounded_json.loads("[" * limit + "]" * limit, "a") is not None
    with pytest.raises(Invalid) as refused:
        bounded_json.loads("[" * (limit + 1) + "]" * (limit + 1), "grids.geojson")
    assert refused.value.message == f"grids.geojson is nested more than {limit} levels deep"
    assert refused.value.code == "bounds.json_too_deep" and refused.value.status_code == 422


def test_far_beyond_the_interpreters_recursion_limit_is_the_same_refusal() -> None:
    with pytest.raises(Invalid, match="nested more than"):
        bounded_json.loads('{"a": ' * 100_000 + "1" + "}" * 100_000, "body")


def test_more_arrays_than_asked_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        bounded_json.loads("[[1, 2], [3, 4], [5, 6]]", "pts.geojson", max_arrays=3)
    assert refused.value.message == "pts.geojson holds more than 3 coordinate arrays"


def test_text_that_is_not_json_is_left_to_the_parser() -> None:
    with pytest.raises(json.JSONDecodeError):
        bounded_json.loads('{"a": "unterminated', "x")
