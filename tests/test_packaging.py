"""Issue 22 item 4: the science packages install as a library (`pip install .`) and import without Django.

The distribution is built from a copy of the checkout (setuptools writes build/ and *.egg-info beside
the sources) and installed with --no-deps into a folder of its own; a clean interpreter (-I: no
PYTHONPATH, no current directory) with that folder first on its path then imports the public API. The
dependencies themselves come from this venv's site-packages, which is what --no-deps leaves to them."""
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("tracing", "curriculum", "llm", "checking")  # each a subpackage of the one namespace psikt

IMPORT_WITHOUT_DJANGO = """
import sys
sys.path.insert(0, {target!r})
from psikt.tracing import Tracer, fit, load_log, prior_tracer, simulate
from psikt.curriculum.planners import make_planner
import psikt.checking, psikt.llm
for module in ("psikt", "psikt.tracing", "psikt.curriculum", "psikt.llm", "psikt.checking"):
    assert sys.modules[module].__file__.startswith({target!r}), sys.modules[module].__file__
assert not any(name == "django" or name.startswith("django.") for name in sys.modules), "django was imported"
simulation = simulate(n_learners=3, n_kcs=2, n_items=4, length=5, seed=0)
print("ok", len(simulation.log.sequences))
"""


def _pins(path: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("-")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "requirements-science.txt"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "psikt", source / "psikt", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps",
                           "--no-build-isolation", "--target", str(target), str(source)],
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return target


def test_the_installed_libraries_import_their_public_api_without_django(installed):
    done = subprocess.run([sys.executable, "-I", "-c", IMPORT_WITHOUT_DJANGO.format(target=str(installed))],
                          check=False, capture_output=True, text=True, timeout=300, cwd=installed)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "3"]


def test_the_distribution_holds_the_libraries_and_their_data_but_not_the_web_application(installed):
    """One top-level name, psikt (free on PyPI, unlike tracing, llm and checking), holding the four libraries."""
    assert {path.name for path in installed.iterdir() if path.is_dir() and "dist-info" not in path.name} == {"psikt"}
    assert {path.name for path in (installed / "psikt").iterdir() if (path / "__init__.py").is_file()} == set(LIBRARIES)
    assert (installed / "psikt" / "llm" / "data" / "guard_dev_labels.jsonl").is_file()


def test_the_distribution_requires_the_science_pins_and_none_of_the_web_stack(installed):
    metadata = next(installed.glob("psikt_tutor-*.dist-info")).joinpath("METADATA").read_text()
    required = {line.removeprefix("Requires-Dist: ") for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ") and "extra ==" not in line}
    assert required == _pins(ROOT / "requirements-science.txt")
    assert not any(re.match(r"(?i)django|channels|celery", pin) for pin in required)


def test_the_extras_pin_what_the_requirement_files_pin():
    """The extras repeat pins of requirements-dev.txt and requirements-llm.txt (an extra cannot read a
    file that includes another, nor one installed with --no-deps); this keeps them from drifting."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras["dev"]) <= _pins(ROOT / "requirements-dev.txt")
    assert set(extras["llm"]) <= _pins(ROOT / "requirements-dev.txt") | _pins(ROOT / "requirements-llm.txt")
