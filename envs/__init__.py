"""Built-in env families, one subpackage each: ``household`` (ALFWorld-style homes), ``shop``
(WebShop-style, text and browser), ``web`` (MiniWoB++), ``tools`` (function calling, BFCL) and
``search`` (retrieval QA).

Installed as ``agentgym.envs``. :func:`register_builtin_envs` runs when the registry is first read;
third-party packages add theirs through the ``agentgym.envs`` entry-point group.
"""


def register_builtin_envs() -> None:
    """Register every built-in env with agentgym and gymnasium."""
    from agentgym.envs.household import register as register_household
    from agentgym.envs.search import register as register_search
    from agentgym.envs.shop import register as register_shop
    from agentgym.envs.tools import register as register_tools
    from agentgym.envs.tools.bfcl import register as register_bfcl
    from agentgym.envs.web import register as register_web

    register_household()
    register_shop()
    register_web()
    register_tools()
    register_search()
    register_bfcl()
