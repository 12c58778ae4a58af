"""Exact match and F1 with SQuAD's normalisation, against numbers computed by hand."""

from __future__ import annotations

import pytest

from agentgym.envs.search.scoring import exact_match, f1_score, normalize_answer


@pytest.mark.parametrize(
    "text, normalized",
    [
        ("The Ostra River.", "ostra river"),
        ("  an   Apple, a PEAR!  ", "apple pear"),
        ("Theodore", "theodore"),  # "the" inside a word is not an article
        ("1,234", "1234"),
        ("", ""),
    ],
)
def test_normalization_lowercases_and_strips_punctuation_and_articles(text, normalized) -> None:
    assert normalize_answer(text) == normalized


def test_exact_match_ignores_case_punctuation_and_articles() -> None:
    assert exact_match("the ostra river", "Ostra River") == 1.0
    assert exact_match("Ostra", "Ostra River") == 0.0
    assert exact_match("", "Ostra River") == 0.0


def test_f1_by_hand() -> None:
    # prediction "ostra river delta" vs truth "ostra river": common 2; P = 2/3, R = 2/2;
    # F1 = 2 * (2/3) * 1 / (2/3 + 1) = (4/3) / (5/3) = 0.8
    assert f1_score("Ostra River delta", "The Ostra River") == pytest.approx(0.8)
    # prediction "ostra" vs truth "ostra river": P = 1, R = 1/2, F1 = 2 * 0.5 / 1.5 = 2/3
    assert f1_score("Ostra", "Ostra River") == pytest.approx(2 / 3)
    # repeated tokens count with multiplicity: "a b b" -> "b b"; truth "b c": common 1,
    # P = 1/2, R = 1/2, F1 = 0.5
    assert f1_score("a b b", "b c") == pytest.approx(0.5)
    assert f1_score("Varnholm", "Varnholm") == 1.0
    assert f1_score("Kesh", "Varnholm") == 0.0
    assert f1_score("the", "Varnholm") == 0.0  # nothing left after normalisation
