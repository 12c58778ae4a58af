"""The sentences of the encyclopedia: templates that render facts and read them back.

A :class:`Sentence` is a template such as ``"{name} was born in {birth_year} in {born_in}."``.
:meth:`Sentence.render` fills it in; :meth:`Sentence.read` finds it in a passage's text and
returns one field's value. The corpus writes with these templates and the oracle reads with
the same ones, as a reader who knows how the encyclopedia phrases things would.

:data:`FACT_SENTENCES` names, for each ``(kind, relation)`` a question can ask about, the
sentence that states it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

__all__ = ["Sentence", "FACT_SENTENCES", "NUMBER_FIELDS"]

#: Fields whose values are numbers (years): read as digits only.
NUMBER_FIELDS = frozenset({"birth_year", "founded", "year"})


@dataclass(frozen=True)
class Sentence:
    """One sentence template (``str.format`` fields in braces)."""

    template: str
    fields: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(name for _, name, _, _ in string.Formatter().parse(self.template) if name)
        object.__setattr__(self, "fields", names)

    def render(self, **values: str) -> str:
        """The sentence with its fields filled in."""
        return self.template.format(**values)

    def read(self, text: str, wanted: str) -> str | None:
        """The value of field ``wanted`` in the first place ``text`` holds this sentence, else None.

        Entity names hold no ``.`` or ``,``, so a name field matches up to the next literal
        part of the template; number fields match digits.
        """
        match = _pattern(self.template, wanted).search(text)
        return match.group("value").strip() if match else None


_PATTERNS: dict[tuple[str, str], re.Pattern[str]] = {}


def _pattern(template: str, wanted: str) -> re.Pattern[str]:
    key = (template, wanted)
    if key not in _PATTERNS:
        parts = []
        for literal, name, _, _ in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if not name:
                continue
            if name == wanted:
                parts.append(r"(?P<value>\d+)" if name in NUMBER_FIELDS else r"(?P<value>[^.,]+?)")
            else:
                parts.append(r"\d+" if name in NUMBER_FIELDS else r".+?")
        _PATTERNS[key] = re.compile("".join(parts))
    return _PATTERNS[key]


# Person, "Early life" passage.
BORN = Sentence("{name} was born in {birth_year} in {born_in}, where {surname} grew up in a family of {parent_job}s.")
STUDIED = Sentence("{surname} studied {field} at {educated_at}.")
# Person, "Career" passage.
WORKED = Sentence("{name} worked as {occupation} and later lived in {residence}.")
FOUNDED_COMPANY = Sentence("In {founded}, {surname} founded {company}.")
KNOWN_FOR = Sentence("{surname} is known for the {kind} {work}.")
# City.
CITY_OVERVIEW = Sentence("{name} is a city in {country}. It was founded in {founded} and has a population of about {population}.")
CITY_RIVER = Sentence("{name} lies on the banks of the {river}.")
CITY_CLIMATE = Sentence("Its climate is {climate}, and its economy rests on {industries}.")
# Country.
COUNTRY_OVERVIEW = Sentence("{name} is a country in {region}. Its capital is {capital}, and its currency is the {currency}.")
COUNTRY_RIVERS = Sentence("The rivers of {name} include the {rivers}.")
COUNTRY_CITIES = Sentence("Among its other cities are {cities}.")
# River, university, company, work.
RIVER = Sentence("The {name} is a river in {country}, about {length} km long. It flows into the {mouth}.")
UNIVERSITY = Sentence(
    "{name} is a university located in {located_in}. It was founded in {founded} and is known for its {known_for} faculty."
)
COMPANY = Sentence(
    "{name} is a {industry} company headquartered in {headquarters}. "
    "It was founded in {founded} by {founder} and employs about {employees} people."
)
WORK = Sentence("{name} is {a_kind} by {creator}, first presented in {year}. It is set in {setting}.")

#: ``(kind, relation) -> the sentence that states it`` (the relation is also the field read).
FACT_SENTENCES: dict[tuple[str, str], Sentence] = {
    ("person", "born_in"): BORN,
    ("person", "birth_year"): BORN,
    ("person", "educated_at"): STUDIED,
    ("city", "country"): CITY_OVERVIEW,
    ("city", "founded"): CITY_OVERVIEW,
    ("city", "river"): CITY_RIVER,
    ("country", "capital"): COUNTRY_OVERVIEW,
    ("river", "country"): RIVER,
    ("river", "mouth"): RIVER,
    ("university", "located_in"): UNIVERSITY,
    ("university", "founded"): UNIVERSITY,
    ("company", "founder"): COMPANY,
    ("company", "headquarters"): COMPANY,
    ("company", "founded"): COMPANY,
    ("work", "creator"): WORK,
    ("work", "year"): WORK,
    ("work", "setting"): WORK,
}
