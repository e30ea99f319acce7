"""Browser tests of the debtor portal: Playwright (Python) driving Debian's Chromium against pytest-django's
live server, with axe-core for accessibility. No browser is downloaded: the `chromium` found on PATH is used.

`make browser-deps` (run by `make test`) installs what these tests need: the Debian package `chromium` and
axe-core from npm into node_modules/. When either is missing the tests FAIL with a message saying so; they are
never skipped silently. Only ARREARS_SKIP_BROWSER=1 in the environment skips them, for a machine that cannot
run a browser at all; CI must not set it.
"""

import os
import shutil

import pytest
from django.core import mail
from django.core.cache import cache

from arrears.core import sms
from arrears.portal.tests.browser.axe import AXE_SCRIPT

SKIP_VARIABLE = "ARREARS_SKIP_BROWSER"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing() -> list[str]:
    missing = []
    if shutil.which("chromium") is None:
        missing.append("Debian's Chromium (`chromium` is not on PATH)")
    if not AXE_SCRIPT.is_file():
        missing.append("axe-core (node_modules/axe-core/axe.min.js is not in the project root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (pip install -e '.[dev]')")
    return missing


@pytest.fixture(scope="package")
def chromium():
    """One Chromium for the package's tests. Package-scoped on purpose: Playwright's sync API keeps an event
    loop running while it lives, which Django would take for async code in every later test of the run."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: browser tests skipped")
    missing = _missing()
    if missing:
        pytest.fail("The browser tests need " + " and ".join(missing) + ". Run `make browser-deps` to install them "
                    f"(or set {SKIP_VARIABLE}=1 to skip these tests on a machine without a browser).", pytrace=False)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # The ORM refuses to run while an event loop runs in the thread (Playwright's); these tests are
        # synchronous and use the database only between browser calls.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def portal_settings(settings, business_date):
    settings.PAYMENT_PROVIDER = "test"
    cache.clear()  # the portal's throttling counters
    sms.outbox.clear()
    mail.outbox.clear()
    return settings


@pytest.fixture
def open_page(chromium, live_server, portal_settings):
    """open_page(locale, bypass_csp=False): a new page in a fresh context (its own cookies) for that browser
    locale, whose Accept-Language the portal follows. bypass_csp only for axe, which injects a script."""
    contexts = []

    def open_(locale: str, *, bypass_csp: bool = False):
        context = chromium.new_context(locale=locale, base_url=live_server.url, bypass_csp=bypass_csp)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
