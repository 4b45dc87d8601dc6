"""Routing (派遣): which department handles a case of a class at a place, with which cooperating
units; and the rules for moving a case to another network (转办)."""

from __future__ import annotations

from dataclasses import dataclass

from gridcity.domain.errors import Invalid
from gridcity.domain.messages import message
from gridcity.domain.taxonomy import NETWORK_LABELS, NETWORKS, Catalogue, ClassDef


@dataclass(frozen=True)
class Routing:
    owner: str  # the responsible department's code (主责部门)
    cooperating: tuple[str, ...]  # codes of the cooperating units (配合单位), never the owner


def route(catalogue: Catalogue, cls: ClassDef, district_code: str, street_code: str) -> Routing:
    """The class's owner and cooperating units at this place (per-area owners and the district /
    street department templates resolved)."""
    owner = catalogue.owner_for(cls, district_code, street_code)
    cooperating = catalogue.cooperating_for(cls, district_code, street_code)
    return Routing(owner, tuple(dict.fromkeys(c for c in cooperating if c != owner)))


def check_transfer(current_network: str, target_network: str | None, target_class: ClassDef | None) -> str:
    """A transfer names another network and a class of that network; returns the target network."""
    if target_network not in NETWORKS:
        raise Invalid(message("routing.no_target_network", networks=", ".join(NETWORKS)))
    network_zh = NETWORK_LABELS[target_network]
    if target_network == current_network:
        raise Invalid(message("routing.same_network", network=target_network, network_zh=network_zh))
    if target_class is None:
        raise Invalid(message("routing.no_target_class", network=target_network, network_zh=network_zh))
    if target_class.network != target_network:
        raise Invalid(
            message(
                "routing.class_of_other_network",
                code=target_class.code,
                name=target_class.name,
                network=target_network,
                network_zh=network_zh,
            )
        )
    return target_network
