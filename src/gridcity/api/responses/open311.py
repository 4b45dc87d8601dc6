"""Open311 GeoReport v2's answers (/open311/v2/), for the OpenAPI document: see `api.responses`.

Every resource answers in XML (`.xml`, the standard's mandatory format) or JSON (`.json`), built by
`api.open311_format` from the same tree: the JSON shapes are documented here, the XML as its media
type (the element names are the JSON keys; a list is a wrapper of repeated elements). In JSON an
empty text is null. Refusals are the standard's error document, never the platform's `detail`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from gridcity.api.open311_format import XML_TYPE
from gridcity.api.responses import Responses, Shape, sometimes

XML = XML_TYPE.split(";")[0]


class Endpoint(Shape):
    specification: str
    url: str
    changeset: datetime | None
    type: str = Field(description="production | test")
    formats: list[str]


class Discovery(Shape):
    changeset: datetime | None = Field(description="when the services last changed")
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(Shape):
    service_code: str
    service_name: str
    description: str | None
    metadata: bool = Field(description="true: GET services/CODE for its questions (attributes)")
    type: str = Field(description="realtime: the request id comes back at once")
    keywords: str | None
    group: str | None


class AttributeValue(Shape):
    key: str
    name: str | None


class Attribute(Shape):
    variable: bool
    code: str
    datatype: str = Field(description="string | number | datetime | text | singlevaluelist | multivaluelist")
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(Shape):
    service_code: str
    attributes: list[Attribute]


class RequestNote(Shape):
    datetime: datetime
    type: str
    summary: str


class ServiceRequest(Shape):
    """A request (a case). `description` and the exact address and point only to the client that filed it."""

    service_request_id: str = Field(description="the case number")
    status: str = Field(description="open | closed")
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None
    extended_attributes: dict[str, Any] = sometimes("with extensions=true: the platform's own facts")
    notes: list[RequestNote] = sometimes("with extensions=true: the public history")


class RequestReceipt(Shape):
    """What POST requests answers: the request id at once (or a token to ask for it)."""

    service_request_id: str | None
    token: str | None
    service_notice: str | None
    account_id: str | None


class TokenAnswer(Shape):
    service_request_id: str
    token: str


class RequestUpdate(Shape):
    update_id: str
    service_request_id: str
    status: str = Field(description="open | closed")
    updated_datetime: datetime
    description: str
    media_url: str | None
    external_status_code: str = Field(description="the platform's state of the case")


class Open311Error(Shape):
    code: int = Field(description="the HTTP status")
    description: str


_REFUSALS: dict[int | str, str] = {
    400: "Bad input: the Open311 error document (`<errors><error><code/><description/></error></errors>`).",
    403: "A missing, bad or revoked api_key where one is needed: the Open311 error document.",
    404: "No such service, request or token, or an unknown format (then in XML): the Open311 error document.",
    429: "Too many requests with this api_key (GRIDCITY_OPEN311_POST_RATE): the Open311 error document; "
    "`Retry-After` says how many seconds to wait.",
    # any other refusal (e.g. 405); it also keeps FastAPI from documenting its own 422, never given here
    "4XX": "Another refusal: the Open311 error document.",
}

# The XML document: the same tree, the JSON keys as element names (see `api.open311_format`).
_XML_CONTENT = {XML: {"schema": {"type": "string", "description": "an Open311 XML document"}}}


def open311_answers(model: Any, *statuses: int, status: int = 200) -> Responses:
    """An Open311 resource's success in JSON (`model`) or XML, and its refusals in the same format."""
    description = "Success, in the format of the suffix: .json (below) or .xml"
    out: Responses = {status: {"model": model, "description": description, "content": _XML_CONTENT}}
    codes: tuple[int | str, ...] = (*statuses, "4XX")
    for code in codes:
        out[code] = {"model": list[Open311Error], "description": _REFUSALS[code], "content": _XML_CONTENT}
        if code == 429:
            out[code]["headers"] = {
                "Retry-After": {
                    "description": "how many seconds to wait before trying again",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
    return out


# POST requests.{fmt}: the standard's form (the route reads it itself, so it is described here)
_TEXT = {"type": "string"}
REQUEST_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "description": "Also attribute[CODE]=value for the service's questions (GET "
                    "services/CODE); api_key and jurisdiction_id may come in the query string instead.",
                    "required": ["api_key", "service_code"],
                    "properties": {
                        "api_key": {**_TEXT, "description": "the client application's key"},
                        "jurisdiction_id": _TEXT,
                        "service_code": _TEXT,
                        "lat": {**_TEXT, "description": "WGS84 latitude, with long (or address_id)"},
                        "long": {**_TEXT, "description": "WGS84 longitude"},
                        "address_string": _TEXT,
                        "address_id": {**_TEXT, "description": "a unit grid's code"},
                        "description": _TEXT,
                        "media_url": _TEXT,
                        "first_name": _TEXT,
                        "last_name": _TEXT,
                        "phone": _TEXT,
                        "email": _TEXT,
                        "device_id": _TEXT,
                        "account_id": _TEXT,
                    },
                }
            }
        },
    }
}
