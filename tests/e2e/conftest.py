"""Browser tests: Debian's Chromium, driven by Playwright for Python, against a live server on a seeded world.

The browser is the system's `chromium` (Debian's package, installed by `make install`), never one Playwright
downloads. Without it these tests fail, saying so: a green run must mean the console was seen working.

One world for all of them: seeding the demo station takes seconds, and pytest-django's `live_server` would
flush and seed it again for every test (its tests are transactional). So the package starts its own live
server (pytest-django's, with the same static files and SQLite connection sharing), seeds the world once
(tests/e2e/world.py), lets every test use the database (`transactional_db`, overridden here), and flushes
it when the last browser test is done. The scenes touch disjoint rows of that world (each its own incident,
gap, time off, shift), so their order does not matter.

A failing test leaves a screenshot of each of its pages, with the page's address and what went wrong in the
browser (5xx answers, script errors), in test-artifacts/e2e/ (CI prints the list).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings

from apps.demo.logins import DEMO_PASSWORD

from .world import World, build_world

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000  # one step (a click, a page load) of a console running on this machine


def chromium_path() -> str:
    """Debian's chromium, or a failure that says what is missing and how it is installed."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "Debian's chromium is not installed, so the browser tests cannot run: `make install` installs it "
            "(`apt-get install -y chromium`, as root); where that is impossible these tests fail rather than skip.",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="package", autouse=True)
def _orm_beside_playwright():
    """Playwright's synchronous API keeps an event loop in this thread between its calls; Django then takes the
    tests' own ORM calls for calls from async code. They are not: that loop only waits for the browser."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_orm_beside_playwright):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright for Python is not installed, so the browser tests cannot run: `make install` installs "
            "requirements-dev.txt, which has it.",
            pytrace=False,
        )
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextmanager
def suite_settings(media_root: Path):
    """What tests/conftest.py's `_test_settings` sets for each test, for the world's seeding before them:
    fast password hashing, tasks and e-mail in-process, a throwaway media folder."""
    from portal.celery import app

    eager = {key: app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CELERY_TASK_ALWAYS_EAGER=True,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MEDIA_ROOT=media_root,
        ):
            yield
    finally:
        app.conf.update(eager)


# the database named in the settings, read before pytest-django swaps in the test database
CONFIGURED_DATABASE = settings.DATABASES["default"]["NAME"]


@pytest.fixture(scope="package")
def console(django_db_setup, django_db_blocker, tmp_path_factory, _orm_beside_playwright):
    """A live server of the console on the seeded world; the database open to the tests until the last one."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        # never seed (and flush) a real database: pytest-django set up the test one for `transactional_db`
        assert connection.settings_dict["NAME"] != CONFIGURED_DATABASE, "the browser tests need the test database"
        with suite_settings(tmp_path_factory.mktemp("e2e-media")):
            world = build_world()
        server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost")
        try:
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "localhost", "127.0.0.1"]):
                yield Console(url=server.url, world=world)
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)  # as a transactional test leaves it
            close_connections()


@pytest.fixture
def transactional_db(console, django_db_blocker):
    """pytest-django's `transactional_db`, for these tests: the database open, no flush after each test.

    By this name pytest-django knows that the browser tests need the test database (it creates it even when
    they run alone) and runs them with the transactional tests, after every test wrapped in a transaction;
    the shared world is flushed once, after the last of them (`console`).
    """
    with django_db_blocker.unblock():
        yield
        close_connections()


def close_connections() -> None:
    """Close this thread's database connections, the ones opened beside Playwright included.

    While Playwright's loop runs in this thread, Django (asgiref) keeps the thread's connections in a separate,
    context-local store; pytest-django closes only the plain thread-local ones, and a connection left open
    would keep PostgreSQL from dropping the test database at the end of the run.
    """
    connections.close_all()


@dataclass
class Console:
    url: str
    world: World


@pytest.fixture
def world(console, transactional_db) -> World:
    """The seeded world (tests/e2e/world.py); the test may read the database to confirm what a page said."""
    return console.world


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class Watched:
    """A page and what went wrong on it that the page itself does not show."""

    page: object
    server_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, console, transactional_db, request) -> Iterator[Callable]:
    """open_page(viewport=DESKTOP) -> a new page in its own browser context (its own cookies)."""
    watched: list[Watched] = []

    def opener(viewport=DESKTOP):
        context = browser.new_context(
            viewport=viewport, base_url=console.url, locale="en-GB", timezone_id="Europe/London"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        entry = Watched(page)
        page.on(
            "response",
            lambda response: (
                response.status >= 500
                and entry.server_errors.append(f"{response.status} {response.request.method} {response.url}")
            ),
        )
        page.on("pageerror", lambda error: entry.script_errors.append(str(error)))
        watched.append(entry)
        return page

    yield opener

    call = getattr(request.node, "report_call", None)
    failed = call is None or call.failed
    if failed:
        _save_artifacts(request, watched)
    for entry in watched:
        entry.page.context.close()
    # Script errors are kept in the artifacts only: unfold's own Alpine.js raises some on pages that work.
    server_errors = [error for entry in watched for error in entry.server_errors]
    if server_errors and not failed:
        pytest.fail("The console answered with a server error:\n" + "\n".join(server_errors), pytrace=False)


@pytest.fixture
def page(open_page):
    return open_page()


def artifacts_folder(request) -> Path:
    folder = Path(request.config.rootpath) / "test-artifacts" / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def artifact_stem(request, suffix: str = "") -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{connection.vendor}-{request.node.name}{suffix}")


def save_screenshot(request, page, suffix: str) -> None:
    """Keep a screenshot of `page` as it is now, for a failure found before the test's end."""
    page.screenshot(path=artifacts_folder(request) / f"{artifact_stem(request, suffix)}.png", full_page=True)


def _save_artifacts(request, watched: list[Watched]) -> None:
    folder = artifacts_folder(request)
    for number, entry in enumerate(watched, start=1):
        name = artifact_stem(request, f"-{number}" if len(watched) > 1 else "")
        lines = [f"url: {entry.page.url}"]
        lines += [f"server error: {error}" for error in entry.server_errors]
        lines += [f"script error: {error}" for error in entry.script_errors]
        try:
            entry.page.screenshot(path=folder / f"{name}.png", full_page=True)
        except Exception as error:  # a crashed page still leaves its address and errors
            lines.append(f"no screenshot: {error}")
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")


# --- what every scene does ------------------------------------------------------------------------------------------


def sign_in(page, username: str, *, password: str = DEMO_PASSWORD, path: str = "/admin/login/?next=/admin/") -> None:
    """Sign in through the console's login form, opened at `path` (as the console's own redirect opens it)."""
    page.goto(path)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
    page.wait_for_load_state()


def sidebar(page, title: str):
    """The sidebar's link to `title` (its accessible name starts with the icon's ligature, e.g. "emergency")."""
    return page.locator("#nav-sidebar-inner").get_by_role("link", name=re.compile(rf"(^|\s){re.escape(title)}$"))
