"""Built-in env families, one subpackage each (``household``: ALFWorld-style homes, ...).

Installed as ``agentgym.envs``. :func:`register_builtin_envs` runs when the registry is first read;
third-party packages add theirs through the ``agentgym.envs`` entry-point group.
"""


def register_builtin_envs() -> None:
    """Register every built-in env with agentgym and gymnasium."""
    from agentgym.envs.household import register as register_household
    from agentgym.envs.shop import register as register_shop
    from agentgym.envs.web import register as register_web

    register_household()
    register_shop()
    register_web()
    from agentgym.envs.tools import register as register_tools; register_tools()  # noqa: E702
    from agentgym.envs.search import register as register_search; register_search()  # noqa: E702
    from agentgym.envs.tools.bfcl import register as register_bfcl; register_bfcl()  # noqa: E702
