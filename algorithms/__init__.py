"""Pure functions over batches of trajectories: advantage estimators, reward shapers, losses,
replay and task selection, branching rules. Installed as ``agentgym.algorithms``."""
