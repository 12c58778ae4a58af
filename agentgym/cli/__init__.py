"""The ``agentgym`` command line (``agentgym --help``)."""
