"""Maps the top-level source folders onto the ``agentgym`` namespace (metadata lives in pyproject.toml).

``envs/``, ``policies/``, ``algorithms/`` and ``sandbox/`` install as ``agentgym.envs`` and so on,
so nothing named ``envs`` lands at the top of a user's site-packages.
"""

from setuptools import find_packages, setup

SOURCE_FOLDERS = {
    "agentgym": "agentgym",
    "agentgym.envs": "envs",
    "agentgym.policies": "policies",
    "agentgym.algorithms": "algorithms",
    "agentgym.sandbox": "sandbox",
}

packages = []
for package, folder in SOURCE_FOLDERS.items():
    packages.append(package)
    packages.extend(f"{package}.{sub}" for sub in find_packages(folder))

setup(packages=packages, package_dir=SOURCE_FOLDERS, package_data={"": ["*.yaml", "*.json", "*.txt"]})
