"""Tool-calling envs: the policy calls Python functions through JSON tool calls, then answers.

Shared pieces (other env families build on these):

- :mod:`~agentgym.envs.tools.schema`: function with type hints + docstring -> OpenAI schema (:class:`Tool`);
- :mod:`~agentgym.envs.tools.calls`: policy text -> tool calls (``<tool_call>`` tags or OpenAI
  ``tool_calls`` JSON) and the ``<answer>``; :func:`format_tool_calls` writes them;
- :mod:`~agentgym.envs.tools.toolbox`: look up, validate (``jsonschema``) and run calls, with precise errors;
- :mod:`~agentgym.envs.tools.answers`: final-answer matching (pure);
- :mod:`~agentgym.envs.tools.env`: :class:`ToolEnv`, the base class (protocol in its docstring),
  and :class:`ToolTask`;
- :mod:`~agentgym.envs.tools.suite`: :class:`SuiteEnv`, a ToolEnv with seeded ``train``/``test`` tasks.

Built-in suites (:mod:`~agentgym.envs.tools.suites`), one registered env each:
``agentgym/tools.calculator-v0``, ``agentgym/tools.dates-v0``, ``agentgym/tools.sql-v0``,
``agentgym/tools.code-v0``.
"""

from typing import TYPE_CHECKING

from agentgym.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from agentgym.envs.tools.calls import CallError, ParsedAction, ToolCall, format_tool_calls, parse_action
    from agentgym.envs.tools.env import ToolEnv, ToolTask
    from agentgym.envs.tools.schema import Tool, function_schema
    from agentgym.envs.tools.toolbox import CallResult, ToolError, Toolbox

# Imported on first use: registering the suites must not need jsonschema (the `tools` extra).
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(["CallError", "ParsedAction", "ToolCall", "format_tool_calls", "parse_action"], "agentgym.envs.tools.calls"),
        **dict.fromkeys(["ToolEnv", "ToolTask"], "agentgym.envs.tools.env"),
        **dict.fromkeys(["Tool", "function_schema"], "agentgym.envs.tools.schema"),
        **dict.fromkeys(["CallResult", "ToolError", "Toolbox"], "agentgym.envs.tools.toolbox"),
    },
)

__all__ = [
    "Tool",
    "function_schema",
    "ToolCall",
    "CallError",
    "ParsedAction",
    "parse_action",
    "format_tool_calls",
    "Toolbox",
    "CallResult",
    "ToolError",
    "ToolEnv",
    "ToolTask",
    "SUITES",
    "suite_env_id",
    "register",
]

#: The built-in suites: name -> "module:Class".
SUITES: dict[str, str] = {
    "calculator": "agentgym.envs.tools.suites.calculator:CalculatorEnv",
    "dates": "agentgym.envs.tools.suites.dates:DatesEnv",
    "sql": "agentgym.envs.tools.suites.sql:SqlEnv",
    "code": "agentgym.envs.tools.suites.code:CodeEnv",
}


def suite_env_id(name: str) -> str:
    """The env id of a built-in suite: ``calculator`` -> ``agentgym/tools.calculator-v0``."""
    return f"agentgym/tools.{name}-v0"


def register() -> None:
    """Register one env per built-in suite (``agentgym/tools.<suite>-v0``)."""
    import agentgym

    for name, entry_point in SUITES.items():
        agentgym.register(suite_env_id(name), entry_point)
