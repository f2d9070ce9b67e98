"""The commands README.md and docs/*.md tell a reader to run name modules and management commands that exist.

After the move of the science libraries into psikt (6a04ad5) a `python -m tracing.evaluate` left in a page
fails for whoever copies it; this finds such a name without running anything (find_spec imports only the
parent packages)."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MODULE = re.compile(r"python3?\s+-m\s+([A-Za-z_][\w.]*\w)")
MANAGE = re.compile(r"manage\.py\s+([a-z_]+)")
COMMANDS = {path.stem for path in ROOT.glob("tutor/*/management/commands/*.py")}
DJANGO_COMMANDS = {"check", "collectstatic", "migrate", "runserver", "shell", "createsuperuser"}


def _mentions(pattern):
    for page in PAGES:
        for number, line in enumerate(page.read_text().splitlines(), 1):
            for match in pattern.finditer(line):
                yield f"{page.relative_to(ROOT)}:{number}", match.group(1)


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a missing parent package
        return False


def test_every_python_m_command_in_the_docs_names_a_module_that_exists():
    mentions = list(_mentions(MODULE))
    assert any(module == "psikt.tracing.evaluate" for _, module in mentions)  # the pattern does find commands
    missing = [f"{where}: python -m {module}" for where, module in mentions if not _exists(module)]
    assert not missing, "\n".join(missing)


def test_every_manage_py_command_in_the_docs_exists():
    mentions = list(_mentions(MANAGE))
    assert any(command == "seed_demo" for _, command in mentions)
    missing = [f"{where}: manage.py {command}" for where, command in mentions
               if command not in COMMANDS | DJANGO_COMMANDS]
    assert not missing, "\n".join(missing)
