"""Shopping instructions in WebShop's style, each built from a target product so it is satisfiable.

A goal is the product type, the attributes and option values the buyer requires, and a price cap,
all read off one target product (with a cap above its price), so buying the target with the
required options always scores 1.0. The instruction says all of it in words, e.g.::

    i need a t-shirt that is machine wash, and crew neck, with size: large, and color: navy,
    and price lower than 40.00 dollars

:func:`make_goal` is a pure function of ``(task id, catalog)``. ``test`` instructions target
every tenth product of the catalog and ``train`` instructions the rest, so a test target is a
product no training instruction asked for.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from agentgym.envs.shop.catalog import Catalog, Product
from agentgym.envs.shop.splits import parse_task_id

__all__ = ["Goal", "make_goal", "instruction_text", "TEST_TARGET_EVERY"]

#: Product ``i`` is a ``test`` target when ``i % TEST_TARGET_EVERY == 0``, else a ``train`` target.
TEST_TARGET_EVERY = 10

_OPENERS = ("i need", "i am looking for", "i want to buy", "find me", "i'm looking for")


@dataclass(frozen=True)
class Goal:
    """What the buyer wants.

    Attributes:
        asin: the target product the goal was built from (one product that satisfies it).
        product_type: the required product type.
        category: the department of that type.
        attributes: the required attributes (each one the target has).
        options: ``(kind, value)`` pairs the buyer must select.
        price_cap: the most the buyer will pay, in dollars.
        instruction: the goal in words, as the agent reads it.
    """

    asin: str
    product_type: str
    category: str
    attributes: tuple[str, ...]
    options: tuple[tuple[str, str], ...]
    price_cap: float
    instruction: str


def _is_plural(phrase: str) -> bool:
    return phrase.endswith("s") and not phrase.endswith("ss")


def _article(phrase: str) -> str:
    if _is_plural(phrase):
        return phrase  # "i need running shoes"
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def instruction_text(opener: str, product_type: str, attributes, options, price_cap: float) -> str:
    """The goal in WebShop's words (lowercase, options as ``kind: value``)."""
    attrs = ", and ".join(attributes)
    opts = ", and ".join(f"{kind}: {value}" for kind, value in options)
    with_opts = f", with {opts}" if opts else ""
    verb = "are" if _is_plural(product_type) else "is"
    return f"{opener} {_article(product_type)} that {verb} {attrs}{with_opts}, and price lower than {price_cap:.2f} dollars"


@lru_cache(maxsize=4096)
def make_goal(task_id: str, catalog: Catalog) -> Goal:
    """The goal of ``task_id`` in ``catalog`` (pure; cached). An unknown id raises ``ValueError``."""
    split, _ = parse_task_id(task_id)
    rng = random.Random(f"agentgym/shop-v0|goal|{catalog.seed}|{len(catalog)}|{task_id}")
    n = len(catalog.products)
    if split == "test":
        index = rng.randrange(0, n, TEST_TARGET_EVERY)
    else:
        index = rng.randrange(n - (n + TEST_TARGET_EVERY - 1) // TEST_TARGET_EVERY)
        index += index // (TEST_TARGET_EVERY - 1) + 1  # skip every multiple of TEST_TARGET_EVERY
    target: Product = catalog.products[index]
    attributes = tuple(sorted(rng.sample(target.attributes, rng.randint(1, min(3, len(target.attributes))))))
    options = tuple((kind, rng.choice(values)) for kind, values in target.options)
    cap = target.price * rng.uniform(1.1, 1.6)
    price_cap = float(math.ceil(cap / 10) * 10 if cap >= 20 else math.ceil(cap))
    opener = rng.choice(_OPENERS)
    return Goal(
        asin=target.asin,
        product_type=target.product_type,
        category=target.category,
        attributes=attributes,
        options=options,
        price_cap=price_cap,
        instruction=instruction_text(opener, target.product_type, attributes, options, price_cap),
    )
