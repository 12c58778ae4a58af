"""Answer scoring: exact match and token F1 after SQuAD's answer normalisation (pure functions).

Normalisation, as in the SQuAD v1.1 evaluation script: lower case, drop punctuation, drop the
articles ``a``/``an``/``the``, collapse whitespace. ``"The Ostra River."`` and ``"ostra river"``
are then the same answer.
"""

from __future__ import annotations

import re
import string
from collections import Counter

__all__ = ["normalize_answer", "exact_match", "f1_score"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower case, punctuation and articles removed, whitespace collapsed."""
    text = text.lower().translate(_PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, truth: str) -> float:
    """1.0 when the normalised prediction equals the normalised truth, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(truth))


def f1_score(prediction: str, truth: str) -> float:
    """Token-level F1 between the normalised prediction and truth (0.0 when nothing overlaps).

    precision = common / prediction tokens, recall = common / truth tokens, where ``common``
    counts shared tokens with multiplicity; F1 = 2PR / (P + R).
    """
    predicted = normalize_answer(prediction).split()
    true = normalize_answer(truth).split()
    common = sum((Counter(predicted) & Counter(true)).values())
    if common == 0:
        return 0.0
    precision = common / len(predicted)
    recall = common / len(true)
    return 2 * precision * recall / (precision + recall)
