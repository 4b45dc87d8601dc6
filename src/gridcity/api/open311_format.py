"""Open311 GeoReport v2 documents as XML (the mandatory format) and JSON (its mechanical mapping).

A document is a root element name and a body made of dicts (elements with children, in order),
`Many` (a wrapper of repeated children: an array in JSON) and scalars. XML: the exact declaration
`<?xml version="1.0" encoding="utf-8"?>`, no namespace, `true`/`false`, datetimes in ISO 8601 with
their offset, an empty element for None. JSON: a root wrapper of repeated children is the array
itself, any other root is the object itself; None is null.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.responses import Response

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")
# Characters XML 1.0 cannot carry at all (control characters but tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Many:
    """Repeated children named `item` inside their wrapper element."""

    item: str
    items: Sequence[Any]


def text(value: Any) -> str | None:
    """A scalar as element text: None → no text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return _NOT_XML.sub("", str(value))


def _element(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    _fill(node, value)


def _fill(node: ET.Element, value: Any) -> None:
    if isinstance(value, Many):
        for item in value.items:
            _element(node, value.item, item)
    elif isinstance(value, Mapping):
        for key, child in value.items():
            _element(node, key, child)
    else:
        node.text = text(value)


# The element name of one child of each wrapper of repeated children.
ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "endpoints": "endpoint",
    "formats": "format",
}


def tree(value: Any) -> Any:
    """Plain data (dicts, lists of a wrapper named in ITEMS) as a document body."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, child in value.items():
        if isinstance(child, list):
            out[key] = Many(ITEMS[key], [tree(item) for item in child])
        else:
            out[key] = tree(child)
    return out


def to_xml(root: str, body: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, body)
    return (XML_DECLARATION + "\n" + ET.tostring(element, encoding="unicode")).encode("utf-8")


def to_json_value(value: Any) -> Any:
    if isinstance(value, Many):
        return [to_json_value(v) for v in value.items]
    if isinstance(value, Mapping):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str) and value == "":
        return None
    return value


def render(fmt: str, root: str, body: Any, status_code: int = 200) -> Response:
    if fmt == "json":
        content = json.dumps(to_json_value(body), ensure_ascii=False, allow_nan=False).encode("utf-8")
        return Response(content, status_code=status_code, media_type=JSON_TYPE)
    return Response(to_xml(root, body), status_code=status_code, media_type=XML_TYPE)


def errors(fmt: str, status_code: int, description: str) -> Response:
    """The standard error document: <errors><error><code/><description/></error></errors>."""
    body = Many("error", [{"code": status_code, "description": description}])
    return render(fmt, "errors", body, status_code=status_code)
