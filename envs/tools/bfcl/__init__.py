"""BFCL (Berkeley Function Calling Leaderboard v4) as agentgym envs: ``agentgym/bfcl.<category>-v0``.

Data, possible answers and the multi-turn API classes come from the installed ``bfcl-eval``
package (read from its files; its scoring code is not imported). Task ids are BFCL entry ids;
each env has one split, ``test``, holding every entry of its category.

- Single-turn categories (``simple_python``, ``simple_java``, ``simple_javascript``,
  ``multiple``, ``parallel``, ``parallel_multiple``, the ``live_*`` variants, ``irrelevance``,
  ``live_irrelevance``, ``live_relevance``): one reply, scored with BFCL's AST rules
  (:class:`~agentgym.envs.tools.bfcl.single_turn.BfclSingleTurnEnv`).
- Multi-turn categories (``multi_turn_base``, ``_miss_func``, ``_miss_param``,
  ``_long_context``): several user turns against BFCL's stateful APIs, each turn checked by
  state and by responses (:class:`~agentgym.envs.tools.bfcl.multi_turn.BfclMultiTurnEnv`).

Modules, one idea each: :mod:`.data` (files), :mod:`.python_calls` (BFCL's call text),
:mod:`.actions` (a reply -> calls), :mod:`.ast_checker` (single-turn scoring, pure),
:mod:`.java_js` (Java/JavaScript values), :mod:`.schemas` (docs -> OpenAI schemas),
:mod:`.oracle` (ground-truth calls), :mod:`.prompt` (what the policy reads), :mod:`.apis` (the
API classes), :mod:`.multi_turn_checker` (end-of-turn checks, pure), :mod:`.single_turn` and
:mod:`.multi_turn` (the envs).

Not covered: BFCL v4's agentic categories (``web_search`` needs the internet, ``memory`` needs
packages agentgym does not install) and ``format_sensitivity``.
"""

from agentgym.envs.tools.bfcl.data import CATEGORIES, MULTI_TURN_CATEGORIES, SINGLE_TURN_CATEGORIES

__all__ = ["register", "env_id", "CATEGORIES", "SINGLE_TURN_CATEGORIES", "MULTI_TURN_CATEGORIES", "REPRESENTATIVE_CATEGORIES"]

#: The categories the all-env conformance and fuzz tests run (one per checker path whose
#: replies are mostly invalid when random); tests/envs/tools/test_bfcl_envs.py covers every category.
REPRESENTATIVE_CATEGORIES = ("simple_python", "live_multiple", "parallel_multiple", "simple_java")


def env_id(category: str) -> str:
    """The env id of a category: ``simple_python`` -> ``agentgym/bfcl.simple_python-v0``."""
    return f"agentgym/bfcl.{category}-v0"


def register() -> None:
    """Register one env per BFCL category."""
    import agentgym

    for category in SINGLE_TURN_CATEGORIES:
        agentgym.register(
            env_id(category),
            "agentgym.envs.tools.bfcl.single_turn:BfclSingleTurnEnv",
            description=f"BFCL v4 {category}: one reply of function calls, scored with BFCL's AST rules.",
            category=category,
        )
    for category in MULTI_TURN_CATEGORIES:
        agentgym.register(
            env_id(category),
            "agentgym.envs.tools.bfcl.multi_turn:BfclMultiTurnEnv",
            description=f"BFCL v4 {category}: user turns against BFCL's stateful APIs, checked by state and results.",
            category=category,
        )
