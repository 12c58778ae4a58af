"""The registry: agentgym ids, gymnasium mirroring, entry-point plugins, clear errors."""

import importlib
import sys
import textwrap

import gymnasium
import pytest

import agentgym
from agentgym import registry
from conftest import CountdownEnv


def test_register_also_registers_with_gymnasium():
    agentgym.register("test/CountdownShort-v0", CountdownEnv, max_steps=3, description="short countdown")
    env = gymnasium.make("test/CountdownShort-v0")
    assert env.unwrapped.max_steps == 3
    assert agentgym.make("test/CountdownShort-v0", max_steps=5).max_steps == 5
    assert agentgym.spec("test/CountdownShort-v0").summary() == "short countdown"


def test_string_entry_point_and_class_description():
    agentgym.register("test/CountdownStr-v0", "conftest:CountdownEnv")
    assert agentgym.spec("test/CountdownStr-v0").summary() == CountdownEnv.description
    assert isinstance(agentgym.make("test/CountdownStr-v0"), CountdownEnv)


def test_unknown_env_suggests_close_matches():
    with pytest.raises(KeyError, match="Did you mean test/Countdown-v0"):
        agentgym.make("test/Countdwn-v0")
    with pytest.raises(ValueError, match="module:Class"):
        registry.EnvSpec("x", "no_colon").load()


def test_third_party_entry_point_plugin(tmp_path, monkeypatch):
    """A package that declares an 'agentgym.envs' entry point gets its envs registered."""
    (tmp_path / "myplugin.py").write_text(
        textwrap.dedent(
            """
            import agentgym
            def register_envs():
                agentgym.register("myplugin/Countdown-v0", "conftest:CountdownEnv", description="from a plugin")
            """
        )
    )
    dist = tmp_path / "myplugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myplugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[agentgym.envs]\nmyplugin = myplugin:register_envs\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    envs = agentgym.registered_envs()
    assert envs["myplugin/Countdown-v0"].summary() == "from a plugin"
    assert "agentgym/Household-v0" in envs
    assert gymnasium.make("myplugin/Countdown-v0").unwrapped.task_set.split_names == ["train", "test"]
