"""The built-in tool suites, one module each (each a :class:`~agentgym.envs.tools.suite.SuiteEnv`):

- :mod:`~agentgym.envs.tools.suites.calculator`: arithmetic and unit conversion;
- :mod:`~agentgym.envs.tools.suites.dates`: a calendar of generated events and date arithmetic;
- :mod:`~agentgym.envs.tools.suites.sql`: questions over a generated sqlite database;
- :mod:`~agentgym.envs.tools.suites.code`: Python run in the sandbox over generated CSV files.

Helpers: :mod:`~agentgym.envs.tools.suites.arithmetic` (a safe expression evaluator) and
:mod:`~agentgym.envs.tools.suites.units` (unit conversion tables).
"""
