"""The demo (`gridcity demo`): a real Beijing city with its people, cases, components and registry,
built through the real services. `city` builds the territory, departments, users and cases and
calls the others: `components` (a census of 东城区's components), `registry` (the social base data
of a street, 人地事物组织) and `patrols` (supervisors' grids, 责任网格, and their patrol tracks)."""

from gridcity.services.demo.city import (
    DEFAULT_CASES,
    DEMO_PASSWORD,
    DEMO_USERS,
    OPEN311_KEY,
    build,
    build_if_absent,
    data_file,
    demo_users,
    department_accounts,
    department_handler_name,
    ensure_open311_client,
    random_point,
)

__all__ = [
    "DEFAULT_CASES",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "OPEN311_KEY",
    "build",
    "build_if_absent",
    "data_file",
    "demo_users",
    "department_accounts",
    "department_handler_name",
    "ensure_open311_client",
    "random_point",
]
