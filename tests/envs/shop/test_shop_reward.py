"""The purchase score, computed by hand (WebShop's formula, see agentgym.envs.shop.reward)."""

from __future__ import annotations

from agentgym.envs.shop.catalog import Product
from agentgym.envs.shop.goals import Goal
from agentgym.envs.shop.reward import score_purchase

GOAL = Goal(
    asin="B0AAAAAAAA",
    product_type="t-shirt",
    category="clothing",
    attributes=("cotton", "machine wash"),
    options=(("color", "navy"), ("size", "large")),
    price_cap=30.0,
    instruction="i need a t-shirt ...",
)


def _product(product_type="t-shirt", category="clothing", attributes=("cotton", "machine wash"), price=20.0) -> Product:
    return Product("B0BBBBBBBB", "x", category, product_type, attributes,
                   (("size", ("small", "large")), ("color", ("navy", "red"))), price, 4.0, "d")


def test_a_perfect_purchase_scores_one() -> None:
    score = score_purchase(GOAL, _product(), {"size": "large", "color": "navy"})
    # (2 attributes + 2 options + price) / (2 + 2 + 1) * 1.0
    assert score.total == 1.0 and score.price_ok and score.type_match == 1.0


def test_partial_purchases() -> None:
    """Guards against a formula that drops a term or a weight."""
    # one attribute, one option, price too high: (1 + 1 + 0) / 5 * 1.0 = 0.4
    s = score_purchase(GOAL, _product(attributes=("cotton",), price=31.0), {"size": "large", "color": "red"})
    assert (s.attributes_matched, s.options_matched, s.price_ok) == (1, 1, False)
    assert abs(s.total - 0.4) < 1e-12
    # another clothing type, everything else right: 5 / 5 * 0.5 = 0.5
    assert score_purchase(GOAL, _product(product_type="hoodie"), {"size": "large", "color": "navy"}).total == 0.5
    # another department, no options selected: (2 + 0 + 1) / 5 * 0.1 = 0.06
    assert abs(score_purchase(GOAL, _product("coffee", "grocery"), {}).total - 0.06) < 1e-12
    # the price cap itself is within budget
    assert score_purchase(GOAL, _product(price=30.0), {"size": "large", "color": "navy"}).total == 1.0
