"""The demo's social registry: buildings, flats, households and residents with plausible made-up
names, made-up ID numbers (valid checksums, no real person's) and phones, shops, organisations
(made-up credit codes) and hazards in the social-service grids of 东华门街道; the demo grid worker
and police officer assigned to the grids there. Made through the registry's own checks."""

from __future__ import annotations

import random
from datetime import date, timedelta

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcity.db.engine import unit_of_work
from gridcity.db.models import Grid, User
from gridcity.domain.registry import USCC_ALPHABET, id_check_char, uscc_check_char
from gridcity.domain.workflow import Role
from gridcity.services.demo.city import random_point
from gridcity.services.platform import Platform
from gridcity.services.progress import SILENT, Progress
from gridcity.services.registry import records as reg

DEMO_STREET = "110101001"  # 东华门街道
GRIDS_OF_WORKER = 2  # the demo grid worker's social-service grids (the first of the street)

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志红文辉玉兰海燕春梅晓东立新宏斌凤兰淑珍德福永胜"
)
_LANES = (
    "南池子大街",
    "北池子大街",
    "东华门大街",
    "南河沿大街",
    "东安门大街",
    "磁器库胡同",
    "骑河楼街",
    "菖蒲河沿",
)
_SHOPS = ("便利店", "早点铺", "理发店", "五金店", "药店", "水果店", "洗衣店", "茶叶店")
_ORGS = (
    ("company", "文创科技有限公司"),
    ("company", "餐饮管理有限公司"),
    ("school", "东华门小学分校"),
    ("hospital", "社区卫生服务站"),
    ("social_org", "邻里互助志愿服务队"),
)
_HAZARDS = (
    ("hazard", "燃气调压箱", "high"),
    ("hazard", "地下空间", "medium"),
    ("key_facility", "消防栓组", "low"),
)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def fake_id_number(rng: random.Random, born: date, male: bool, used: set[str]) -> str:
    """A made-up identity number of 东城区 with a valid check digit (not a real person's)."""
    while True:
        seq = rng.randrange(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
        first = f"110101{born:%Y%m%d}{seq:03d}"
        value = first + id_check_char(first)
        if value not in used:
            used.add(value)
            return value


def fake_uscc(rng: random.Random) -> str:
    body = "91110101" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def build(
    platform: Platform,
    db: Session,
    grid_worker: str = "grid_worker",
    police: str = "police",
    progress: Progress = SILENT,
    seed: int = 20261128,
    street: str = DEMO_STREET,
) -> int:
    """Populate the demo registry of a street; returns the number of residents made."""
    rng = random.Random(seed)
    reader = reg.Reader(None, "demo", Role.ADMIN, "", True)
    grids = list(
        db.execute(
            select(Grid.code, Grid.geom_wkb)
            .where(Grid.layer == "social_service", Grid.street_code == street, Grid.valid_to.is_(None))
            .order_by(Grid.code)
        )
    )
    today = platform.now().date()
    used: set[str] = set()
    residents = 0
    with unit_of_work(db):  # the demo registry is stored whole or not at all
        for n, (code, wkb) in enumerate(progress.track(grids, len(grids), "demo registry 人地事物组织")):
            polygon = shapely.from_wkb(wkb)
            for b in range(3):
                lon, lat = random_point(rng, polygon)
                lane = rng.choice(_LANES)
                building = reg.new_place(
                    platform,
                    db,
                    reader,
                    reg.PlaceInput(
                        "building", f"{lane}{n + 1}-{b + 1}号楼", f"{lane}{rng.randint(1, 120)}号", lon, lat
                    ),
                )
                for flat in range(rng.randint(2, 4)):
                    room = f"{flat // 2 + 1}0{flat % 2 + 1}"
                    house = reg.new_place(
                        platform,
                        db,
                        reader,
                        reg.PlaceInput(
                            "house", f"{room}室", f"{building.address}{room}室", parent_id=building.id
                        ),
                    )
                    household = reg.new_household(platform, db, reader, house.id, f"{code[-6:]}{b}{flat}")
                    residents += _family(platform, db, reader, rng, household.id, today, used)
            if n % 3 == 0:
                lon, lat = random_point(rng, polygon)
                reg.new_place(
                    platform,
                    db,
                    reader,
                    reg.PlaceInput("shop", rng.choice(_SHOPS), rng.choice(_LANES), lon, lat),
                )
            if n % 4 == 0:
                kind, name = _ORGS[(n // 4) % len(_ORGS)]
                lon, lat = random_point(rng, polygon)
                reg.new_organisation(
                    platform,
                    db,
                    reader,
                    reg.OrganisationInput(kind, f"北京{name}", fake_uscc(rng), lon=lon, lat=lat),
                )
            if n % 5 == 0:
                kind, name, risk = _HAZARDS[(n // 5) % len(_HAZARDS)]
                lon, lat = random_point(rng, polygon)
                reg.new_thing(platform, db, reader, reg.ThingInput(kind, name, risk, lon=lon, lat=lat))
    _assign(platform, db, grid_worker, police, street, [g.code for g in grids[:GRIDS_OF_WORKER]])
    return residents


def _family(
    platform: Platform,
    db: Session,
    reader: reg.Reader,
    rng: random.Random,
    household_id: int,
    today: date,
    used: set[str],
) -> int:
    size = rng.choice((1, 1, 2, 2, 3, 3, 4))
    head_age = rng.randint(28, 92)
    members: list[tuple[str, int, bool]] = [("head", head_age, rng.random() < 0.5)]
    if size >= 2:
        members.append(("spouse", max(22, head_age + rng.randint(-5, 5)), not members[0][2]))
    for _ in range(size - len(members)):
        members.append(("child", max(1, head_age - rng.randint(22, 35)), rng.random() < 0.5))
    for relation, age, male in members:
        born = today - timedelta(days=age * 365 + rng.randint(0, 364))
        tags = []
        if age >= 70 and size == 1:
            tags.append("elderly_alone")
        elif age >= 65 and rng.random() < 0.3:
            tags.append("empty_nest")
        if rng.random() < 0.05:
            tags.append("disability")
        if 18 <= age <= 60 and rng.random() < 0.02:
            tags.append("key_person")
        phone = (
            f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}" if age >= 12 else None
        )
        reg.new_resident(
            platform,
            db,
            reader,
            reg.ResidentInput(
                household_id,
                _name(rng),
                relation,
                fake_id_number(rng, born, male, used),
                phone,
                tags=tags,
            ),
        )
    return len(members)


def _assign(
    platform: Platform, db: Session, grid_worker: str, police: str, street: str, ss_grids: list[str]
) -> None:
    if db.scalar(select(User.id).where(User.username == grid_worker)) is not None:
        for code in ss_grids:
            reg.assign_grid(platform, db, None, grid_worker, code)
    if db.scalar(select(User.id).where(User.username == police)) is not None:
        beats = db.scalars(
            select(Grid.code)
            .where(Grid.layer == "public_security", Grid.street_code == street, Grid.valid_to.is_(None))
            .order_by(Grid.code)
        )
        for code in beats:  # the street's community police officer: every beat of the street
            reg.assign_grid(platform, db, None, police, code)
