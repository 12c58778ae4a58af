"""ALFWorld-style household text env: ``agentgym/Household-v0`` (and ``agentgym/HouseholdEasy-v0``).

The agent is dropped in a procedurally generated room ("You are in the middle of a room.
Looking quickly around you, you see a cabinet 1, a countertop 1, a fridge 1, ...") and given
one of ALFWorld's six tasks: pick & place, examine in light, clean & place, heat & place,
cool & place, pick two & place. It acts with ALFWorld's command grammar (``go to X``,
``take X from Y``, ``put X in/on Y``, ``open X``, ...).

Modules, one idea each:

- :mod:`~agentgym.envs.household.catalog`: receptacle and object types, their properties, room templates;
- :mod:`~agentgym.envs.household.world`: the home's state and the rules that change it;
- :mod:`~agentgym.envs.household.tasks`: the six task types, their goal sentences and success checks;
- :mod:`~agentgym.envs.household.generator`: task id + difficulty -> home and task (pure, seeded);
- :mod:`~agentgym.envs.household.splits`: the lazy task-id lists of ``train``/``test-seen``/``test-unseen``;
- :mod:`~agentgym.envs.household.commands`: text -> command (never raises);
- :mod:`~agentgym.envs.household.oracle`: the shortest-plan solver behind ``oracle_action()``;
- :mod:`~agentgym.envs.household.env`: :class:`HouseholdEnv`, the :class:`~agentgym.TextEnv`.
"""

from agentgym.envs.household.env import HouseholdEnv

__all__ = ["HouseholdEnv", "register"]


def register() -> None:
    """Register ``agentgym/Household-v0`` (medium) and ``agentgym/HouseholdEasy-v0`` (easy)."""
    import agentgym

    agentgym.register(
        "agentgym/Household-v0",
        "agentgym.envs.household.env:HouseholdEnv",
        description="ALFWorld-style household tasks (find, clean, heat, cool, examine, place) in generated homes.",
    )
    agentgym.register(
        "agentgym/HouseholdEasy-v0",
        "agentgym.envs.household.env:HouseholdEnv",
        description="Household-v0 with small, uncluttered rooms and goal objects in plain view.",
        difficulty="easy",
    )
