"""Open311 documents (api.open311_format) and the answers to a service's questions
(services.open311.parse_attributes), without a database."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gridcity.api.open311_format import XML_DECLARATION, Many, render, tree
from gridcity.domain.errors import Invalid
from gridcity.services.open311 import Attribute, parse_attributes, parse_bbox, parse_datetime

CST = ZoneInfo("Asia/Shanghai")
COLOURS = Attribute(
    code="colours",
    datatype="multivaluelist",
    required=True,
    description="which colours",
    values=(("red", "Red"), ("blue", "Blue")),
)
SIZE = Attribute(code="size", datatype="number", required=False, description="how big")
SEEN = Attribute(code="seen", datatype="datetime", required=False, description="when")


def test_xml_and_json_are_the_same_document() -> None:
    body = tree(
        {
            "service_code": "06010",
            "attributes": [{"code": "a", "required": False, "values": [{"key": "k", "name": "名"}]}],
            "when": datetime(2026, 11, 16, 9, 0, tzinfo=CST),
            "empty": None,
            "blank": "",
            "bad": "a\x00b",
        }
    )
    xml = render("xml", "service_definition", body)
    assert xml.headers["content-type"] == "text/xml; charset=utf-8"
    assert xml.body.decode().startswith(XML_DECLARATION + "\n")
    root = ET.fromstring(xml.body)
    assert root.findtext("attributes/attribute/values/value/name") == "名"
    assert root.findtext("attributes/attribute/required") == "false"
    assert root.findtext("when") == "2026-11-16T09:00:00+08:00"
    assert root.findtext("empty") == "" and "<empty />" in xml.body.decode()
    assert root.findtext("bad") == "ab"  # a character XML cannot carry is dropped

    data = json.loads(render("json", "service_definition", body).body)
    assert data["attributes"] == [{"code": "a", "required": False, "values": [{"key": "k", "name": "名"}]}]
    assert data["when"] == "2026-11-16T09:00:00+08:00" and data["empty"] is None and data["blank"] is None
    listed = json.loads(render("json", "services", Many("service", [{"a": "1"}])).body)
    assert listed == [{"a": "1"}]


def test_multivaluelist_answers() -> None:
    items = [("attribute[colours][]", "red"), ("attribute[colours][]", "blue"), ("api_key", "x")]
    assert parse_attributes([COLOURS], items) == {"colours": ["red", "blue"]}
    assert parse_attributes([COLOURS], [("attribute[colours]", "blue")]) == {"colours": ["blue"]}
    with pytest.raises(Invalid, match=r"a list was sent as one string \(\['red', 'blue'\]\).*\[\]="):
        parse_attributes([COLOURS], [("attribute[colours]", "['red', 'blue']")])
    with pytest.raises(Invalid, match="a list was sent as one string"):
        parse_attributes([COLOURS], [("attribute[colours][]", '["red","blue"]')])
    with pytest.raises(Invalid, match="'green' is not one of red, blue"):
        parse_attributes([COLOURS], [("attribute[colours][]", "green")])
    with pytest.raises(Invalid, match=r"attribute\[colours\] is required"):
        parse_attributes([COLOURS], [("attribute[colours][]", " ")])  # empty is as if not sent
    with pytest.raises(Invalid, match="not an attribute parameter"):
        parse_attributes([COLOURS], [("attribute[colours", "red")])


def test_number_and_datetime_answers() -> None:
    assert parse_attributes([SIZE, SEEN], [("attribute[size]", "2.5")]) == {"size": "2.5"}
    for value in ("big", "nan", "inf"):
        with pytest.raises(Invalid, match="not a number"):
            parse_attributes([SIZE], [("attribute[size]", value)])
    assert parse_attributes([SEEN], [("attribute[seen]", "2026-11-16T09:00:00Z")])
    with pytest.raises(Invalid, match="needs a timezone"):
        parse_attributes([SEEN], [("attribute[seen]", "2026-11-16T09:00:00")])


def test_datetimes_and_bbox() -> None:
    assert parse_datetime("2026-11-16", CST, "start_date") == datetime(2026, 11, 16, tzinfo=CST)
    assert parse_datetime("2026-11-16T01:00:00Z", CST, "x") == datetime(2026, 11, 16, 9, 0, tzinfo=CST)
    # an offset whose '+' came through a query string unencoded, as a space
    assert parse_datetime("2026-11-16T09:00:00 08:00", CST, "x") == datetime(2026, 11, 16, 9, 0, tzinfo=CST)
    with pytest.raises(Invalid, match="ISO 8601"):
        parse_datetime("16/11/2026", CST, "start_date")
    assert parse_bbox("116.3,39.8,116.5,40.0") == (116.3, 39.8, 116.5, 40.0)
    for bad in ("1,2,3", "a,b,c,d", "116.5,39.8,116.3,40", "0,0,200,1", "nan,0,1,1"):
        with pytest.raises(Invalid, match="bbox"):
            parse_bbox(bad)
