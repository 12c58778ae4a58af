"""The encyclopedia: a :class:`~agentgym.envs.search.world.World` written out as titled passages.

Every entity gets one or two short passages titled with its name (people: "Early life" and
"Career"; cities: an overview and a geography; countries: an overview and their rivers and
cities; everything else one). Passages mention other entities by name (a company's founder,
a person's company and works, a country's cities), so a name's word occurs in other entities'
passages too, as it would in a real encyclopedia.

:attr:`Corpus.fact_passage` records which passage states each fact: the supporting passages of
a question are the passages of the facts along its chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from agentgym.envs.search import sentences as S
from agentgym.envs.search.world import World

__all__ = ["Passage", "Corpus", "build_corpus"]


@dataclass(frozen=True)
class Passage:
    """One passage of the encyclopedia.

    Attributes:
        pid: its position in the corpus (and in the search index).
        title: the name of the entity it is about.
        section: which of the entity's passages it is (``Early life``, ``Overview``, ...).
        text: the passage's text.
    """

    pid: int
    title: str
    section: str
    text: str


@dataclass(frozen=True)
class Corpus:
    """Every passage of a world, and where each fact is stated.

    Attributes:
        passages: the passages, ``passages[i].pid == i``.
        fact_passage: ``(subject, relation) -> pid`` of the passage stating that fact.
    """

    passages: tuple[Passage, ...]
    fact_passage: Mapping[tuple[str, str], int]

    def __len__(self) -> int:
        return len(self.passages)


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def build_corpus(world: World) -> Corpus:
    """Write ``world`` as passages (a pure function of the world)."""
    passages: list[Passage] = []
    fact_passage: dict[tuple[str, str], int] = {}

    def emit(title: str, section: str, sentences: list[str], facts: tuple[str, ...] = ()) -> None:
        pid = len(passages)
        passages.append(Passage(pid, title, section, " ".join(sentences)))
        for relation in facts:
            fact_passage[(title, relation)] = pid

    fact = world.fact
    founded_by: dict[str, str] = {}
    works_by: dict[str, list[str]] = {}
    rivers_in: dict[str, list[str]] = {}
    cities_in: dict[str, list[str]] = {}
    for e in world.of_kind("company"):
        founded_by[fact(e.name, "founder")] = e.name
    for e in world.of_kind("work"):
        works_by.setdefault(fact(e.name, "creator"), []).append(e.name)
    for e in world.of_kind("river"):
        rivers_in.setdefault(fact(e.name, "country"), []).append(e.name)
    for e in world.of_kind("city"):
        cities_in.setdefault(fact(e.name, "country"), []).append(e.name)

    for e in world.entities:
        name, a = e.name, e.attrs
        if e.kind == "country":
            overview = S.COUNTRY_OVERVIEW.render(
                name=name, region=a["region"], capital=fact(name, "capital"), currency=a["currency"]
            )
            emit(name, "Overview", [overview], ("capital",))
            others = [c for c in cities_in[name] if c != fact(name, "capital")][:6]
            geography = [S.COUNTRY_RIVERS.render(name=name, rivers=_listing(rivers_in[name][:4]))]
            if others:
                geography.append(S.COUNTRY_CITIES.render(cities=_listing(others)))
            emit(name, "Geography", geography)
        elif e.kind == "sea":
            continue  # seas are only named (as river mouths), never asked about
        elif e.kind == "city":
            overview = S.CITY_OVERVIEW.render(
                name=name, country=fact(name, "country"), founded=fact(name, "founded"), population=a["population"]
            )
            emit(name, "Overview", [overview], ("country", "founded"))
            geography = [
                S.CITY_RIVER.render(name=name, river=fact(name, "river")),
                S.CITY_CLIMATE.render(climate=a["climate"], industries=a["industries"]),
            ]
            emit(name, "Geography", geography, ("river",))
        elif e.kind == "river":
            text = S.RIVER.render(name=name, country=fact(name, "country"), length=a["length"], mouth=fact(name, "mouth"))
            emit(name, "Overview", [text], ("country", "mouth"))
        elif e.kind == "university":
            text = S.UNIVERSITY.render(
                name=name, located_in=fact(name, "located_in"), founded=fact(name, "founded"), known_for=a["known_for"]
            )
            emit(name, "Overview", [text], ("located_in", "founded"))
        elif e.kind == "person":
            surname = name.split()[-1]
            early = [
                S.BORN.render(
                    name=name,
                    birth_year=fact(name, "birth_year"),
                    born_in=fact(name, "born_in"),
                    surname=surname,
                    parent_job=a["parent_job"],
                ),
                S.STUDIED.render(surname=surname, field=a["field"], educated_at=fact(name, "educated_at")),
            ]
            emit(name, "Early life", early, ("born_in", "birth_year", "educated_at"))
            career = [S.WORKED.render(name=name, occupation=_article(a["occupation"]), residence=a["residence"])]
            company = founded_by.get(name)
            if company is not None:
                career.append(S.FOUNDED_COMPANY.render(founded=fact(company, "founded"), surname=surname, company=company))
            for work in works_by.get(name, [])[:3]:
                career.append(S.KNOWN_FOR.render(surname=surname, kind=world.entity(work).attrs["kind"], work=work))
            emit(name, "Career", career)
        elif e.kind == "company":
            text = S.COMPANY.render(
                name=name,
                industry=a["industry"],
                headquarters=fact(name, "headquarters"),
                founded=fact(name, "founded"),
                founder=fact(name, "founder"),
                employees=a["employees"],
            )
            emit(name, "Overview", [text], ("founder", "headquarters", "founded"))
        elif e.kind == "work":
            text = S.WORK.render(
                name=name,
                a_kind=_article(a["kind"]),
                creator=fact(name, "creator"),
                year=fact(name, "year"),
                setting=fact(name, "setting"),
            )
            emit(name, "Overview", [text], ("creator", "year", "setting"))
        else:  # pragma: no cover - build_world makes only the kinds above
            raise ValueError(f"no passage template for entity kind {e.kind!r}")

    return Corpus(passages=tuple(passages), fact_passage=MappingProxyType(fact_passage))
