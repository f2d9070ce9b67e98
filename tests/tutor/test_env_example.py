"""`.env.example` names every variable the settings and the serving scripts read, so an operator who
copies it misses none (issue 22, item 2)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = [*sorted((ROOT / "tutor/settings").glob("*.py")), ROOT / "gunicorn.conf.py", ROOT / "Procfile",
           ROOT / "scripts/serve.sh", ROOT / "scripts/release.sh"]
# Read by the settings but not set in production: the embedded defaults' and the tests' knobs.
NOT_FOR_PRODUCTION = {"DJANGO_DEBUG", "SQLITE_BUSY_TIMEOUT"}
PATTERNS = (r'env(?:\.\w+)?\("([A-Z][A-Z0-9_]+)"', r'environ\.get\("([A-Z][A-Z0-9_]+)"', r'\$\{([A-Z][A-Z0-9_]+)')


def _read_names() -> set[str]:
    names = set()
    for path in READERS:
        text = path.read_text()
        for pattern in PATTERNS:
            names |= set(re.findall(pattern, text))
    return names


def test_env_example_lists_every_setting_read_from_the_environment():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    read = _read_names() - NOT_FOR_PRODUCTION
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "TRUSTED_PROXY_COUNT"} <= read  # the scan finds them
    assert read - listed == set(), f"read from the environment but missing from .env.example: {sorted(read - listed)}"
