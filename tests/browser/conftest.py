import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

# Playwright's sync API keeps an event loop running in the test thread, so Django would refuse the
# plain synchronous ORM calls of these tests. The check is lifted for this directory only, which is
# why `make test` runs tests/browser in a pytest process of its own.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed (scripts/ensure_package.sh)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's chromium, headless, with the background-networking features that would try to reach
    # the internet (this machine has none) turned off.
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }



@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """The project's ASGI application (HTTP and WebSockets) served by daphne on a free loopback port,
    in a thread of this process so that it shares the test database. Twisted's reactor runs once per
    process, so the server lives for the whole session."""
    import threading

    from daphne.server import Server

    from tutor.asgi import application

    ready = threading.Event()
    server = Server(application, endpoints=["tcp:port=0:interface=127.0.0.1"], signal_handlers=False,
                    ready_callable=ready.set, verbosity=0)
    thread = threading.Thread(target=server.run, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        ready.wait(10)
        for _ in range(100):
            if server.listening_addresses:
                break
            threading.Event().wait(0.05)
    host, port = server.listening_addresses[0]
    yield f"http://{host}:{port}"
    server.stop()


# Screenshots the browser tests take, for a person to look at: var/screenshots/ by default (var/ is
# git-ignored; CI keeps the folder as an artifact), or where SCREENSHOTS_DIR says.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"))

# The widths every learner-facing behaviour is tried at: a desktop and a phone (iPhone 12-14: 390 px).
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def screenshot(request):
    """screenshot(page, name): a full-page PNG under SCREENSHOTS, named after the test."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = request.node.name.replace("[", "-").replace("]", "")

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{test}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
