"""Routing: the owner and cooperating units of a class at a place; the rules of a transfer."""

from __future__ import annotations

import pytest

from gridcity.domain.errors import Invalid
from gridcity.domain.routing import check_transfer, route
from gridcity.domain.taxonomy import load_default_catalogue

NATIONAL = "GB/T 47678.5-2026"


def test_exposed_garbage_goes_to_the_streets_sanitation_unit_with_its_cooperators() -> None:
    catalogue = load_default_catalogue()
    garbage = catalogue.find("06010", NATIONAL, "event")
    routing = route(catalogue, garbage, "110101", "110101001")
    assert routing.owner == "110101001-HW"
    assert routing.cooperating == ("110101001-CSGL",)
    elsewhere = route(catalogue, garbage, "110102", "110102003")
    assert elsewhere.owner == "110102003-HW"


def test_an_area_override_changes_the_owner_only_there() -> None:
    override = (
        "city.toml",
        '[[class]]\nstandard = "GB/T 47678.5-2026"\nkind = "event"\ncode = "06010"\n'
        'owner_by_area = { "110102" = "{district}-HW" }\n',
    )
    catalogue = load_default_catalogue(override)
    garbage = catalogue.find("06010", NATIONAL, "event")
    assert route(catalogue, garbage, "110102", "110102003").owner == "110102-HW"
    assert route(catalogue, garbage, "110101", "110101001").owner == "110101001-HW"


def test_transfer_rules() -> None:
    catalogue = load_default_catalogue()
    social = catalogue.select(network="social_service")[0]
    garbage = catalogue.find("06010", NATIONAL, "event")
    assert check_transfer("city_management", "social_service", social) == "social_service"
    with pytest.raises(Invalid, match="already in"):
        check_transfer("social_service", "social_service", social)
    with pytest.raises(Invalid, match="target network"):
        check_transfer("city_management", "weather", social)
    with pytest.raises(Invalid, match="name the class"):
        check_transfer("city_management", "social_service", None)
    with pytest.raises(Invalid, match="not a class of the social_service"):
        check_transfer("city_management", "social_service", garbage)
