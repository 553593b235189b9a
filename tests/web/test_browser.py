"""Real headless Chromium (Debian's package) through the pages, driven by Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.support.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.functional, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LETTER = (
    "To my old neighbour Ruth: you taught me to prune roses and to forgive slowly. "
    "The garden is still yours in my heart. Goodbye, and thank you."
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack.embedded(tmp_path_factory.mktemp("browser"))
    running.migrate()
    try:
        running.start_worker(beat=True)
        running.start_web()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_write_enshrine_wall_and_heart_in_a_browser(stack: Stack, browser: Browser) -> None:
    context = browser.new_context(base_url=stack.base_url)
    page = context.new_page()
    problems = watch_console(page)

    page.goto("/write")
    page.fill("#addressed_to", "Ruth")
    page.fill("#body", LETTER)
    expect(page.locator("#draft-status")).to_contain_text("Draft saved on this device")
    page.reload()
    expect(page.locator("#body")).to_have_value(LETTER)  # the draft survived, on this device only

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Enshrine This Farewell").click()
    expect(page).to_have_url(re.compile(r"/receipt/[A-Za-z0-9_\-]+"))
    expect(page.locator(".status-value")).to_have_text("published", timeout=90_000)
    expect(page.locator(".receipt .letter .body")).to_have_text(LETTER)

    page.goto("/")
    card = page.locator(".letter-card").filter(has_text="prune roses")
    expect(card).to_have_count(1)
    card.get_by_role("link", name="Read the whole letter").click()
    expect(page.locator(".letter .to")).to_have_text("To Ruth,")

    heart = page.get_by_role("button", name="Leave a rippling heart")
    heart.click()
    expect(heart.locator(".count")).to_have_text("1")
    heart.click()
    expect(heart).to_be_enabled()
    page.reload()
    expect(page.locator("button.heart .count")).to_have_text("1")  # the same reader counts once

    other = browser.new_context(base_url=stack.base_url).new_page()
    other.goto(page.url)
    other.get_by_role("button", name="Leave a rippling heart").click()
    expect(other.locator("button.heart .count")).to_have_text("2")

    page.goto("/write")
    expect(page.locator("#body")).to_have_value("")  # enshrining cleared the draft
    assert problems == [], problems  # no CSP violations or script errors anywhere
    context.close()


def test_cancelled_confirmation_enshrines_nothing(stack: Stack, browser: Browser) -> None:
    page = browser.new_page(base_url=stack.base_url)
    page.goto("/write")
    page.fill(
        "#body", "A letter I am not ready to let go of yet, so I will keep it a while longer."
    )
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Enshrine This Farewell").click()
    expect(page).to_have_url(re.compile(r"/write$"))
    expect(page.locator("#body")).not_to_have_value("")


def test_write_page_shows_validation_errors_without_losing_the_text(
    stack: Stack, browser: Browser
) -> None:
    page = browser.new_page(base_url=stack.base_url)
    page.goto("/write")
    page.fill("#body", "too short")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Enshrine This Farewell").click()
    expect(page.get_by_role("alert")).to_contain_text("at least")
    expect(page.locator("#body")).to_have_value("too short")


def test_hostile_letter_text_is_shown_as_text(stack: Stack, browser: Browser) -> None:
    import requests

    payload = (
        "I used to write <script>window.pwned=1</script><img src=x onerror=window.pwned=2> "
        "in my notes to you. Goodbye."
    )
    token = requests.post(
        f"{stack.base_url}/api/v1/letters", json={"body": payload}, timeout=10
    ).json()["receipt"]
    receipt = stack.wait_for_status(token, {"published", "held", "rejected"})
    if receipt["status"] != "published":
        pytest.skip(
            "the engine held this letter; escaping of held text is covered in the console tests"
        )
    page = browser.new_page(base_url=stack.base_url)
    page.goto(receipt["letter"]["url"])
    expect(page.locator(".letter .body")).to_have_text(payload)
    assert page.evaluate("window.pwned") is None
