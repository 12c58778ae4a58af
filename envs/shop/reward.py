"""The purchase score: WebShop's reward (Yao et al., 2022, section 3.2), in [0, 1].

WebShop scores a purchase ``y`` against the goal ``u`` as::

    r = r_type * (|U_att ∩ Y_att| + |U_opt ∩ Y_opt| + 1[y_price <= u_price]) / (|U_att| + |U_opt| + 1)

Where this departs from the paper, and why:

- ``r_type``: the paper matches product types by text similarity of titles and categories and
  gives 0, 0.1, 0.5 or 1. Here every product has a known type and department, so the match is
  exact: 1.0 for the required type, 0.5 for another type of the same department, 0.1 otherwise.
- Attributes and options match exactly (the catalog's vocabulary is closed), not fuzzily.

A purchase scores 1.0 (success) exactly when it is the required type, has every required
attribute, has every required option selected, and costs at most the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from agentgym.envs.shop.catalog import Product
from agentgym.envs.shop.goals import Goal

__all__ = ["Score", "score_purchase"]


@dataclass(frozen=True)
class Score:
    """One purchase's score and its parts.

    Attributes:
        type_match: ``r_type`` (1.0, 0.5 or 0.1).
        attributes_matched: required attributes the product has.
        options_matched: required options selected with the required value.
        price_ok: the price is at most the cap.
        total: the reward, in [0, 1].
    """

    type_match: float
    attributes_matched: int
    options_matched: int
    price_ok: bool
    total: float


def score_purchase(goal: Goal, product: Product, selected: Mapping[str, str]) -> Score:
    """Score buying ``product`` with the ``selected`` options (kind -> value) against ``goal``."""
    if product.product_type == goal.product_type:
        type_match = 1.0
    elif product.category == goal.category:
        type_match = 0.5
    else:
        type_match = 0.1
    attributes = sum(a in product.attributes for a in goal.attributes)
    options = sum(selected.get(kind) == value for kind, value in goal.options)
    price_ok = product.price <= goal.price_cap
    total = type_match * (attributes + options + int(price_ok)) / (len(goal.attributes) + len(goal.options) + 1)
    return Score(type_match, attributes, options, price_ok, total)
