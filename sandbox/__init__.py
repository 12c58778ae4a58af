"""Isolated code execution for tool envs (bubblewrap and Docker backends behind one interface).
Installed as ``agentgym.sandbox``."""
