"""Names for the generated world: invented words built from syllables, and English word lists.

:class:`NameMaker` hands out invented, pronounceable words (``Varnholm``, ``Keldora``) and never
the same word twice, so an entity's distinctive word names that entity alone: a search for it
finds that entity's passages, and an answer is never ambiguous. Everything here is drawn from
a caller's :class:`random.Random`, so a world is a pure function of its seed.
"""

from __future__ import annotations

import random

__all__ = [
    "NameMaker",
    "WORK_ADJECTIVES",
    "WORK_NOUNS",
    "WORK_KINDS",
    "COMPANY_SUFFIXES",
    "INDUSTRIES",
    "OCCUPATIONS",
    "FIELDS",
    "CLIMATES",
    "REGIONS",
]

_ONSETS = ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "gr", "kr", "st", "th", "tr", "sk", "vr", "ch")
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ae", "ei", "ou", "y")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "nd", "rk", "st", "th", "x", "rn", "lm")

#: Title words of creative works ("The Silent Harbor").
WORK_ADJECTIVES = (
    "Silent", "Crimson", "Hollow", "Golden", "Distant", "Broken", "Hidden", "Endless", "Frozen", "Quiet",
    "Burning", "Pale", "Secret", "Wandering", "Forgotten", "Shining", "Bitter", "Gentle", "Restless", "Ancient",
    "Scarlet", "Velvet", "Iron", "Silver", "Amber", "Lonely", "Fading", "Wild", "Narrow", "Sleeping",
    "Painted", "Drifting", "Falling", "Hungry", "Patient", "Sudden", "Weary", "Brave", "Northern", "Southern",
)
WORK_NOUNS = (
    "Harbor", "Orchard", "Lantern", "Mirror", "Garden", "Tower", "Meadow", "Compass", "Voyage", "Letter",
    "Winter", "Summer", "Shadow", "Bridge", "Feather", "Anchor", "Island", "Forest", "Window", "Engine",
    "Kingdom", "Melody", "Promise", "Horizon", "Station", "Carnival", "Journey", "Season", "Cathedral", "Clock",
    "Desert", "Ocean", "Valley", "Orchid", "Sparrow", "Thread", "Tide", "Ember", "Signal", "Archive",
)
#: Kinds of creative work, with the verb a question uses for their creator.
WORK_KINDS = ("novel", "film", "album", "play", "painting", "poem")
COMPANY_SUFFIXES = ("Industries", "Systems", "Holdings", "Group", "Works", "Labs", "Motors", "Foods",
                    "Energy", "Textiles", "Logistics", "Pharma", "Shipping", "Media")
INDUSTRIES = ("software", "steel", "shipbuilding", "banking", "textile", "pharmaceutical", "mining",
              "publishing", "brewing", "aviation", "telecommunications", "insurance", "railway", "chemical")
OCCUPATIONS = ("engineer", "physician", "architect", "journalist", "chemist", "lawyer", "historian",
               "economist", "teacher", "diplomat", "painter", "composer", "novelist", "photographer",
               "astronomer", "botanist", "surgeon", "mathematician", "sculptor", "banker")
FIELDS = ("physics", "law", "medicine", "history", "mathematics", "economics", "chemistry", "literature",
          "philosophy", "engineering", "music", "biology", "architecture", "geology")
CLIMATES = ("mild", "humid", "dry", "cold", "temperate", "windy", "rainy")
REGIONS = ("the north", "the south", "the east", "the west", "the interior", "the coastal lowlands")


class NameMaker:
    """Invented words, each handed out once.

    Args:
        rng: the source of randomness (the world's seeded generator).
    """

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._used: set[str] = set()

    def word(self, syllables: tuple[int, int] = (2, 3)) -> str:
        """A new capitalised word of ``syllables[0]`` to ``syllables[1]`` syllables, never seen before."""
        rng = self._rng
        while True:
            n = rng.randint(*syllables)
            parts = []
            for i in range(n):
                parts.append(rng.choice(_ONSETS) + rng.choice(_VOWELS) + (rng.choice(_CODAS) if i == n - 1 else ""))
            word = "".join(parts).capitalize()
            if len(word) >= 5 and word.lower() not in self._used:
                self._used.add(word.lower())
                return word

    def words(self, count: int, syllables: tuple[int, int] = (2, 3)) -> list[str]:
        """``count`` new words (see :meth:`word`)."""
        return [self.word(syllables) for _ in range(count)]
