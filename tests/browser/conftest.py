"""Fixtures of the browser tests (support functions live in browser_support.py): the real server
on a fresh record for the whole session, Chromium, fresh browser contexts at 1280×800 in French."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    RelaisServer,
    start_server,
    stop_server,
)


@pytest.fixture(scope="package")
def relais_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelaisServer]:
    server = start_server(tmp_path_factory.mktemp("relais-web"))
    yield server
    stop_server(server)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (Debian package `chromium`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make fresh browser contexts (own cookies and storage), closed at the end of the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        settings: dict[str, Any] = {"viewport": VIEWPORT, "locale": "fr-FR",
                                    "timezone_id": "Europe/Paris"}
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()
