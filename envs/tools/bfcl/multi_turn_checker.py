"""BFCL's end-of-turn checks for the multi-turn categories (pure comparisons, no I/O).

After each user turn whose ground truth has calls, BFCL requires:

1. the model made at least one call in the turn;
2. state: every API instance's public attributes equal those of an instance that replayed the
   ground-truth calls (:func:`state_check`);
3. response: every ground-truth result of the turn appears among the results of the model's
   calls so far, counted with multiplicity and in any order (:func:`response_check`).

Turns with an empty ground truth (the request cannot be done yet) are not checked.
"""

from __future__ import annotations

from typing import Any, Sequence

from agentgym.envs.tools.bfcl.apis import public_state
from agentgym.envs.tools.bfcl.ast_checker import Verdict

__all__ = ["state_check", "response_check", "missing_results", "turn_check"]


def state_check(model_instances: dict[str, Any], truth_instances: dict[str, Any]) -> Verdict:
    """Every ground-truth instance's public attributes equal the model instance's."""
    for name, truth in truth_instances.items():
        model = model_instances[name]
        model_state = public_state(model)
        differing = [attr for attr, value in public_state(truth).items() if model_state.get(attr) != value]
        if differing:
            return Verdict(
                False,
                f"The state of {name} differs from the expected state in: {', '.join(differing)}.",
                "multi_turn:instance_state_mismatch",
            )
    return Verdict.ok()


def missing_results(expected: Sequence[str], produced: Sequence[str]) -> list[str]:
    """The expected results not found among the produced ones (a multiset difference, any order)."""
    pool = list(produced)
    missing = []
    for item in expected:
        try:
            pool.remove(item)
        except ValueError:
            missing.append(item)
    return missing


def response_check(model_results: Sequence[str], truth_results: Sequence[str], turn: int) -> Verdict:
    """Every ground-truth result of the turn is among the model's results so far."""
    missing = missing_results(truth_results, model_results)
    if missing:
        shown = "; ".join(m if len(m) <= 200 else m[:200] + "..." for m in missing[:3])
        return Verdict(
            False,
            f"The results of your calls so far lack {len(missing)} result(s) the request of turn {turn} needs, e.g. {shown}",
            "multi_turn:execution_response_mismatch",
        )
    return Verdict.ok()


def turn_check(
    turn: int,
    truth_calls: Sequence[str],
    model_calls_in_turn: int,
    model_instances: dict[str, Any],
    truth_instances: dict[str, Any],
    model_results: Sequence[str],
    truth_results: Sequence[str],
) -> Verdict:
    """BFCL's checks at the end of one turn (see the module docstring), first failure first."""
    if not truth_calls:
        return Verdict.ok()
    if model_calls_in_turn == 0:
        return Verdict(False, f"No function was called in turn {turn}, which needs calls.", "multi_turn:empty_turn_model_response")
    verdict = state_check(model_instances, truth_instances)
    if not verdict.valid:
        return verdict
    return response_check(model_results, truth_results, turn)
