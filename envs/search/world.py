"""The generated world behind the search env: entities and the facts that relate them.

:func:`build_world` is a pure function of its seed (it draws from a private
:class:`random.Random`): countries, cities, rivers, seas, universities, people, companies and
creative works, each named with an invented word that no other entity uses, and facts
``(subject, relation) -> value`` that are functional (one value per subject and relation), so
a chain of relations from any entity has exactly one answer.

Relations (subject kind -> value kind):

========================  ==================================================
``person``                ``born_in`` (city), ``birth_year``, ``educated_at`` (university)
``city``                  ``country``, ``river``, ``founded``
``country``               ``capital`` (city)
``river``                 ``country``, ``mouth`` (sea)
``university``            ``located_in`` (city), ``founded``
``company``               ``founder`` (person), ``headquarters`` (city), ``founded``
``work``                  ``creator`` (person), ``year``, ``setting`` (city)
========================  ==================================================

A city's river flows through the city's country, a capital lies in its country, a company is
founded after its founder turns twenty and a work is made after its creator turns eighteen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from agentgym.envs.search.names import (
    CLIMATES,
    COMPANY_SUFFIXES,
    FIELDS,
    INDUSTRIES,
    OCCUPATIONS,
    REGIONS,
    WORK_ADJECTIVES,
    WORK_KINDS,
    WORK_NOUNS,
    NameMaker,
)

__all__ = ["WorldSize", "Entity", "World", "build_world", "DEFAULT_SIZE"]


@dataclass(frozen=True)
class WorldSize:
    """How many entities of each kind a world has.

    The default gives 10,630 passages (people, cities and countries have two passages each).
    """

    countries: int = 30
    seas: int = 12
    cities: int = 600
    rivers: int = 120
    universities: int = 150
    people: int = 3200
    companies: int = 1200
    works: int = 1500

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"WorldSize.{name} must be a positive integer, got {value!r}")
        if self.cities < self.countries:
            raise ValueError(f"a world needs at least one city per country ({self.countries}), got {self.cities} cities")
        if self.rivers < self.countries:
            raise ValueError(f"a world needs at least one river per country ({self.countries}), got {self.rivers} rivers")
        if self.companies > self.people:
            raise ValueError(f"each person founds at most one company: {self.companies} companies > {self.people} people")


#: The size of the default world.
DEFAULT_SIZE = WorldSize()


@dataclass(frozen=True)
class Entity:
    """One thing in the world.

    Attributes:
        name: its unique name (``Varnholm``, ``Selka Dovrin``, ``The Silent Harbor``).
        kind: ``country``, ``sea``, ``city``, ``river``, ``university``, ``person``, ``company`` or ``work``.
        attrs: descriptive attributes that no question asks about (population, occupation, ...).
    """

    name: str
    kind: str
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class World:
    """A generated world (see the module docstring).

    Attributes:
        seed: the seed it was built from.
        entities: every entity, in generation order (kind by kind).
        facts: ``(subject name, relation) -> value`` (an entity name or a year, as text).
    """

    seed: int
    entities: tuple[Entity, ...]
    facts: Mapping[tuple[str, str], str]
    _by_name: Mapping[str, Entity] = field(init=False, repr=False)
    _by_kind: Mapping[str, tuple[Entity, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_name = {e.name: e for e in self.entities}
        if len(by_name) != len(self.entities):
            raise ValueError("entity names must be unique")
        by_kind: dict[str, list[Entity]] = {}
        for e in self.entities:
            by_kind.setdefault(e.kind, []).append(e)
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))
        object.__setattr__(self, "_by_kind", MappingProxyType({k: tuple(v) for k, v in by_kind.items()}))

    def entity(self, name: str) -> Entity:
        """The entity called ``name`` (``KeyError`` if there is none)."""
        return self._by_name[name]

    def of_kind(self, kind: str) -> tuple[Entity, ...]:
        """Every entity of one kind, in generation order."""
        return self._by_kind.get(kind, ())

    def fact(self, subject: str, relation: str) -> str | None:
        """The value of ``relation`` for ``subject``, or None where the subject has no such fact."""
        return self.facts.get((subject, relation))


def build_world(seed: int = 0, size: WorldSize = DEFAULT_SIZE) -> World:
    """Generate the world for ``seed`` (a pure function of ``seed`` and ``size``)."""
    rng = random.Random(f"agentgym-search-world-{seed}")
    names = NameMaker(rng)
    entities: list[Entity] = []
    facts: dict[tuple[str, str], str] = {}

    def add(name: str, entity_kind: str, **attrs: str) -> str:
        entities.append(Entity(name, entity_kind, MappingProxyType(dict(attrs))))
        return name

    # Countries and seas.
    countries = [
        add(names.word(), "country", region=rng.choice(REGIONS), currency=names.word((2, 2)).lower())
        for _ in range(size.countries)
    ]
    seas = [add(f"{names.word((2, 2))} Sea", "sea") for _ in range(size.seas)]

    # Rivers: the first one per country, the rest anywhere.
    rivers: list[str] = []
    rivers_of: dict[str, list[str]] = {c: [] for c in countries}
    for i in range(size.rivers):
        country = countries[i] if i < len(countries) else rng.choice(countries)
        river = add(f"{names.word()} River", "river", length=str(rng.randrange(40, 2400)))
        facts[(river, "country")] = country
        facts[(river, "mouth")] = rng.choice(seas)
        rivers.append(river)
        rivers_of[country].append(river)

    # Cities: at least one per country; the first city of a country is its capital.
    cities: list[str] = []
    cities_of: dict[str, list[str]] = {c: [] for c in countries}
    for i in range(size.cities):
        country = countries[i] if i < len(countries) else rng.choice(countries)
        city = add(
            names.word(),
            "city",
            population=f"{rng.randrange(20, 3000) * 1000:,}",
            climate=rng.choice(CLIMATES),
            industries=" and ".join(rng.sample(INDUSTRIES, 2)),
        )
        facts[(city, "country")] = country
        facts[(city, "river")] = rng.choice(rivers_of[country])
        facts[(city, "founded")] = str(rng.randrange(900, 1900))
        cities.append(city)
        cities_of[country].append(city)
    for country in countries:
        facts[(country, "capital")] = cities_of[country][0]

    universities: list[str] = []
    for _ in range(size.universities):
        pattern = rng.choice(("{} University", "University of {}", "{} Institute of Technology"))
        university = add(pattern.format(names.word()), "university", known_for=rng.choice(FIELDS))
        facts[(university, "located_in")] = rng.choice(cities)
        facts[(university, "founded")] = str(rng.randrange(1200, 1990))
        universities.append(university)

    # People: first names repeat, surnames sometimes do (two people may share one), full names never.
    first_names = names.words(max(40, size.people // 25), (2, 2))
    surnames = names.words(max(1, (size.people * 3) // 4))
    people: list[str] = []
    taken: set[str] = set()
    while len(people) < size.people:
        full = f"{rng.choice(first_names)} {rng.choice(surnames)}"
        if full in taken:
            continue
        taken.add(full)
        person = add(
            full,
            "person",
            occupation=rng.choice(OCCUPATIONS),
            field=rng.choice(FIELDS),
            parent_job=rng.choice(OCCUPATIONS),
            residence=rng.choice(cities),
        )
        facts[(person, "born_in")] = rng.choice(cities)
        facts[(person, "birth_year")] = str(rng.randrange(1880, 1996))
        facts[(person, "educated_at")] = rng.choice(universities)
        people.append(person)

    # Companies: each founded by a different person.
    for founder in rng.sample(people, size.companies):
        company = add(
            f"{names.word()} {rng.choice(COMPANY_SUFFIXES)}",
            "company",
            industry=rng.choice(INDUSTRIES),
            employees=f"{rng.randrange(1, 400) * 50:,}",
        )
        facts[(company, "founder")] = founder
        facts[(company, "headquarters")] = rng.choice(cities)
        facts[(company, "founded")] = str(int(facts[(founder, "birth_year")]) + rng.randrange(20, 50))

    # Works: titles are unique pairs of English words ("The Silent Harbor").
    titles = [f"The {a} {n}" for a in WORK_ADJECTIVES for n in WORK_NOUNS]
    if size.works > len(titles):
        raise ValueError(f"at most {len(titles)} works have distinct titles, got {size.works}")
    for title in rng.sample(titles, size.works):
        creator = rng.choice(people)
        add(title, "work", kind=rng.choice(WORK_KINDS))
        facts[(title, "creator")] = creator
        facts[(title, "year")] = str(int(facts[(creator, "birth_year")]) + rng.randrange(18, 60))
        facts[(title, "setting")] = rng.choice(cities)

    return World(seed=seed, entities=tuple(entities), facts=MappingProxyType(facts))
