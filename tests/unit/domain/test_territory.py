import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcity.domain.errors import Invalid
from gridcity.domain.territory import (
    CodeParts,
    GridLayer,
    Level,
    is_synthetic_community,
    normalize_unit_code,
    parent_code,
    parse_code,
    public_security_grid_code,
    social_service_grid_code,
    synthetic_community_code,
    unit_grid_code,
    validate_community_code,
    validate_district_code,
    validate_public_security_grid_code,
    validate_social_service_grid_code,
    validate_street_code,
    validate_unit_grid_code,
)


@pytest.mark.parametrize(
    ("code", "level", "parts"),
    [
        ("110000", Level.CITY, CodeParts("110000")),
        ("110101", Level.DISTRICT, CodeParts("110101")),
        ("110101001", Level.STREET, CodeParts("110101", "001")),
        ("110101001000", Level.STREET, CodeParts("110101", "001")),
        ("110101000000", Level.DISTRICT, CodeParts("110101")),
        ("110101001002", Level.COMMUNITY, CodeParts("110101", "001", "002")),
        ("110101001002007", Level.GRID, CodeParts("110101", "001", "002", "007", GridLayer.CITY_MANAGEMENT)),
        ("11010100100207", Level.GRID, CodeParts("110101", "001", "002", "07", GridLayer.CITY_MANAGEMENT)),
        (
            "00000011010100100200",
            Level.GRID,
            CodeParts("110101", "001", "002", "00", GridLayer.SOCIAL_SERVICE, "000000"),
        ),
        (
            "110101001PS003",
            Level.GRID,
            CodeParts("110101", "001", seq="003", layer=GridLayer.PUBLIC_SECURITY),
        ),
    ],
)
def test_parse_code(code, level, parts):
    assert parse_code(code) == (level, parts)


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("110101", "110000"),
        ("440305", "440300"),  # a district of a non-municipality city
        ("110101001", "110101"),
        ("110101001000", "110101"),
        ("110101001002", "110101001"),
        ("110101001002007", "110101001002"),
        ("00000011010100100201", "110101001002"),
        ("110101001PS003", "110101001"),
        ("110000", None),
    ],
)
def test_parent_code(code, parent):
    assert parent_code(code) == parent


@pytest.mark.parametrize(
    ("func", "code", "message"),
    [
        (validate_district_code, "110100", "district segment of '110100' is '00'"),
        (validate_district_code, "11010", "district code must be 6 digits"),
        (validate_district_code, 110101, "must be a string"),
        (validate_street_code, "110101000", "street segment"),
        (validate_street_code, "11010100a", "street code must be 9 digits"),
        (validate_community_code, "110101001000", "community segment"),
        (validate_community_code, "１１０１０１００１００２", "12 digits"),  # full-width digits
        (validate_unit_grid_code, "110101001002000", "unit grid sequence"),
        (validate_unit_grid_code, "1101010010020071", "14 or 15 digits"),
        (validate_social_service_grid_code, "0000001101010010020", "20 digits"),
        (validate_social_service_grid_code, "00000011010100000200", "street segment"),
        (validate_public_security_grid_code, "110101001XX003", "9 digits \\+ 'PS' \\+ 3 digits"),
        (validate_public_security_grid_code, "110101001PS000", "sequence"),
        (parse_code, "1101", "code must be 6 or 9 or 12 or 14 or 15 or 20 digits"),
        (parse_code, "110100000000", None),
    ],
)
def test_bad_codes_raise_invalid_with_a_clear_message(func, code, message):
    if message is None:  # valid after all: the 12-digit form of a city
        assert func(code).level is Level.CITY
        return
    with pytest.raises(Invalid, match=message):
        func(code)


def test_valid_codes_are_returned_unchanged():
    assert validate_district_code("110101") == "110101"
    assert validate_street_code("110101001") == "110101001"
    assert validate_community_code("110101001002") == "110101001002"
    assert validate_unit_grid_code("110101001002007") == "110101001002007"
    assert validate_social_service_grid_code("00000011010100100200") == "00000011010100100200"
    assert validate_public_security_grid_code("110101001PS003") == "110101001PS003"


def test_code_builders():
    assert unit_grid_code("110101001002", 7) == "110101001002007"
    assert social_service_grid_code("110101001002", 0) == "00000011010100100200"
    assert social_service_grid_code("110101001002", 12, "010100") == "01010011010100100212"
    assert public_security_grid_code("110101001", 3) == "110101001PS003"
    for bad in (0, 1000, True, 1.0):
        with pytest.raises(Invalid, match="unit grid sequence must be an integer from 1 to 999"):
            unit_grid_code("110101001002", bad)
    with pytest.raises(Invalid, match="from 0 to 99"):
        social_service_grid_code("110101001002", 100)
    with pytest.raises(Invalid, match="service-object class"):
        social_service_grid_code("110101001002", 1, "01")
    with pytest.raises(Invalid):
        public_security_grid_code("110101", 1)


def test_synthetic_community_is_street_plus_999_and_never_the_street_itself():
    code = synthetic_community_code("110101001")
    assert code == "110101001999"
    assert parse_code(code).level is Level.COMMUNITY
    assert parent_code(code) == "110101001"
    assert is_synthetic_community(code) and not is_synthetic_community("110101001002")


def test_normalize_unit_code():
    assert normalize_unit_code("110101001000") == "110101001"
    assert normalize_unit_code("110101000000") == "110101"
    assert normalize_unit_code("110101001002") == "110101001002"


@settings(max_examples=200, database=None)
@given(
    district=st.integers(1, 99),
    street=st.integers(1, 999),
    community=st.integers(1, 999),
    seq=st.integers(1, 999),
)
def test_generated_codes_parse_back_to_their_parts(district, street, community, seq):
    community_code = f"1101{district:02d}{street:03d}{community:03d}"
    grid = unit_grid_code(community_code, seq)
    level, parts = parse_code(grid)
    assert level is Level.GRID and parts.layer is GridLayer.CITY_MANAGEMENT
    assert parts.unit_code == community_code and int(parts.seq) == seq
    assert parent_code(parent_code(parent_code(grid))) == community_code[:6]
    beat = public_security_grid_code(community_code[:9], seq)
    assert parse_code(beat).parts.unit_code == community_code[:9]
