"""The catalog generator and the instructions: seeded, varied, and every instruction satisfiable."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import asdict

import pytest

from agentgym.envs.shop.catalog import CATEGORIES, PRODUCT_TYPES, generate_catalog, product_type
from agentgym.envs.shop.goals import TEST_TARGET_EVERY, make_goal
from agentgym.envs.shop.splits import SPLIT_SIZES, parse_task_id, shop_task_set

DIGEST = """
import hashlib, json
from dataclasses import asdict
from agentgym.envs.shop.catalog import generate_catalog
from agentgym.envs.shop.goals import make_goal
c = generate_catalog(%d)
text = json.dumps([asdict(p) for p in c.products]) + json.dumps([asdict(make_goal(f"test-{i:05d}", c)) for i in range(50)])
print(hashlib.sha256(text.encode()).hexdigest())
"""


def _digest(seed: int) -> str:
    c = generate_catalog(seed)
    text = json.dumps([asdict(p) for p in c.products]) + json.dumps(
        [asdict(make_goal(f"test-{i:05d}", c)) for i in range(50)]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_catalog_is_the_same_in_another_process() -> None:
    """Guards against hash-randomised or global randomness in generation: another interpreter
    (with another PYTHONHASHSEED) must build the identical catalog and instructions."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", DIGEST % 0], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == _digest(0)
    assert _digest(0) != _digest(1), "two catalog seeds gave the same catalog"


def test_catalog_shape() -> None:
    """Guards against a thin or malformed catalog: >= 1000 products over six departments, unique
    ASIN-like ids, every type stocked, attributes and options drawn from the product's type."""
    catalog = generate_catalog(0)
    assert len(catalog) >= 1000
    assert set(CATEGORIES) == {"clothing", "shoes", "electronics", "home", "beauty", "grocery"}
    ids = [p.asin for p in catalog.products]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"B0[A-Z0-9]{8}", asin) for asin in ids)
    assert len({p.title for p in catalog.products}) == len(catalog), "titles should identify products"
    per_type = Counter(p.product_type for p in catalog.products)
    assert set(per_type) == {t.name for t in PRODUCT_TYPES} and min(per_type.values()) >= 20
    for p in catalog.products:
        kind = product_type(p.product_type)
        assert p.category == kind.category
        assert set(p.attributes) <= set(kind.attributes) and 3 <= len(p.attributes) <= 5
        assert [k for k, _ in p.options] == [k for k, _ in kind.options]
        for k, values in p.options:
            assert len(values) >= 2 or len(dict(kind.options)[k]) < 2
        assert kind.price[0] <= p.price <= kind.price[1] + 1 and 1.0 <= p.rating <= 5.0
        assert p.title and p.description
    assert catalog.get(ids[5]) is catalog.products[5] and catalog.get("B0NOTTHERE") is None


@pytest.mark.parametrize("kind", PRODUCT_TYPES, ids=lambda t: t.name)
def test_option_values_name_one_option_kind(kind) -> None:
    """Guards against ambiguous clicks: within a type no value belongs to two option kinds, and no
    value is the name of a page control."""
    values = [v for _, vs in kind.options for v in vs]
    assert len(values) == len(set(values)), kind.name
    controls = {"back to search", "< prev", "next >", "description", "features", "buy now", "search"}
    assert not controls & {v.casefold() for v in values}


def test_instructions_are_satisfiable_and_say_everything() -> None:
    """Guards against an instruction its own target cannot satisfy, or one that leaves out a
    requirement the score checks."""
    catalog = generate_catalog(0)
    for split in SPLIT_SIZES:
        for i in range(0, 1000, 5):
            goal = make_goal(f"{split}-{i:05d}", catalog)
            target = catalog.get(goal.asin)
            assert target.product_type == goal.product_type and target.category == goal.category
            assert 1 <= len(goal.attributes) <= 3 and set(goal.attributes) <= set(target.attributes)
            assert dict(goal.options).keys() == dict(target.options).keys()
            assert all(value in dict(target.options)[kind] for kind, value in goal.options)
            assert target.price < goal.price_cap
            text = goal.instruction
            assert goal.product_type in text and all(a in text for a in goal.attributes)
            assert all(f"{kind}: {value}" in text for kind, value in goal.options)
            assert text.endswith(f"price lower than {goal.price_cap:.2f} dollars")


def test_test_targets_are_never_train_targets() -> None:
    """Guards against the test split measuring memorised products."""
    catalog = generate_catalog(0)
    index = {p.asin: i for i, p in enumerate(catalog.products)}
    train = {make_goal(f"train-{i:05d}", catalog).asin for i in range(2000)}
    test = {make_goal(f"test-{i:05d}", catalog).asin for i in range(1000)}
    assert not train & test
    assert all(index[a] % TEST_TARGET_EVERY == 0 for a in test)
    assert len(train) > 600 and len(test) > 80, "targets should spread over the catalog"


def test_task_ids() -> None:
    """Guards against task ids that do not round-trip or a task set with the wrong splits."""
    ts = shop_task_set()
    assert ts.split_names == ["train", "test"] and len(ts.ids("train")) == 10_000
    assert ts.ids("test")[7] == "test-00007" and ts.split_of("train-09999") == "train"
    assert parse_task_id("test-00007") == ("test", 7)
    with pytest.raises(ValueError, match="ids look like"):
        parse_task_id("test-seen-00001")
