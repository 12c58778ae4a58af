"""Package exports imported on first use (PEP 562), so a package can be imported, and its envs
registered, without the optional dependencies of the modules it re-exports.

Registering the built-in envs imports every env family's package. If a package imported its
env classes eagerly, ``agentgym train`` on the household env would need the tool envs'
``jsonschema`` installed too.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package`` that imports ``exports[name]`` (a module
    path) the first time ``name`` is read, caches it in the package, and returns it.

    Example (in a package's ``__init__.py``)::

        __getattr__ = lazy_exports(__name__, {"ToolEnv": "agentgym.envs.tools.env"})
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(importlib.import_module(package), name, value)
        return value

    return __getattr__
