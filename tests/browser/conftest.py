import os
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

CHROMIUM = Path("/usr/bin/chromium")
DEMO = Path(__file__).resolve().parents[2] / "courses" / "demo"
PASSWORD = "a-long-passphrase-9"

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


def in_a_thread(work):
    """The tutor runs its generation with asyncio.run, which cannot nest in the event loop Playwright
    keeps in this thread: tutoring happens in a thread of its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def log_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, and wait until the page that follows names the account."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(username)


def assert_fits(page: Page) -> None:
    """No sideways scrolling of the whole page at the window's width: wide things scroll in their own boxes."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide at {page.viewport_size['width']} px"


@pytest.fixture(scope="session")
def demo_pack():
    """The demo course pack, read and checked once per run: reading runs every item's answers through
    the checker (most of the 20-35 s a `load_course courses/demo` took here), storing it a few seconds."""
    from tutor.content.pack import read_pack

    return read_pack(DEMO)


@pytest.fixture
def demo_course(demo_pack):
    """The demo course, stored as `load_course courses/demo` stores it (the tests here flush the database)."""
    from tutor.content.models import Course
    from tutor.content.services import course_pack_load

    course_pack_load(pack=demo_pack)
    return Course.objects.get(slug="demo-algebra")


@pytest.fixture
def demo_class(demo_course):
    """The demo class as `make demo` seeds it, with a shorter history (8 answers a learner, for time):
    the classroom and the accounts' passwords."""
    from tutor.dashboard.demo import demo_class_replay
    from tutor.learning.services import demo_class_seed

    accounts = demo_class_seed(course=demo_course)
    classroom = demo_course.classrooms.get(name="Demo class")
    in_a_thread(lambda: demo_class_replay(classroom=classroom, answers=8))
    return classroom, accounts


@pytest.fixture
def tiny_class(valid_pack_path):
    """The tiny course (tests/tutor/packs/valid) and its class "Year 9 maths", taught by "tess"."""
    from tests.tutor.factories import ClassroomFactory
    from tutor.accounts.models import User
    from tutor.content.models import Course

    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    classroom = ClassroomFactory(course=Course.objects.get(slug="tiny"), name="Year 9 maths")
    classroom.teachers.add(User.objects.create_user("tess", password=PASSWORD, role=User.Role.TEACHER))
    return classroom


@pytest.fixture
def tiny_learner(asgi_server, page: Page, valid_pack_path) -> str:
    """A learner ("ivy") logged in on `page` and on the tiny course's practice page; their username."""
    from tutor.accounts.models import User

    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    User.objects.create_user("ivy", password=PASSWORD)
    log_in(page, asgi_server, "ivy")
    page.goto(asgi_server + "/learn/tiny/practice/")
    return "ivy"
