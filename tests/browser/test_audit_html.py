"""The HTML audit: valid HTML5 (html5lib, strict), hostile values from files and DNS rendered as
text, and the file opened in a real headless Chromium (the distribution's, driven by
Playwright): no console error, no request beyond the file itself, a row and a bar per domain
with the counts of the JSON, details that open, a layout that fits a phone, and a screenshot
that is not blank."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from aligncheck.audit.data import OUTCOMES
from tests.integration.test_audit import HOSTILE_SEND, hostile_zone
from tests.nsd import NsdServer

ROOT = Path(__file__).parents[2]


def chromium() -> str:
    """The distribution's Chromium (scripts/test installs it); ALIGNCHECK_CHROMIUM names
    another."""
    found = os.environ.get("ALIGNCHECK_CHROMIUM") or shutil.which("chromium")
    found = found or shutil.which("chromium-browser")
    if not found:
        pytest.fail("no chromium: scripts/test installs it (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


def audit(tmp_path: Path, fmt: str, *argv: str) -> str:
    """The CLI in its own process: Playwright's sync API keeps an event loop running in this
    one, where the DNS client's cannot start."""
    target = tmp_path / f"audit.{fmt}"
    command = [sys.executable, "-m", "aligncheck", "audit", "--format", fmt, "-o", str(target)]
    subprocess.run([*command, *argv], check=False, capture_output=True, timeout=120)
    return target.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def example_audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("audit")
    args = ("--snapshot", str(ROOT / "examples/dns/snapshot.json"), str(ROOT / "examples"))
    audit(tmp, "html", *args)
    doc = json.loads(audit(tmp, "json", *args))
    return tmp / "audit.html", doc


def strict_parse(text: str) -> Any:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(text)  # raises on any parse error


def test_valid_html5(example_audit: tuple[Path, dict[str, Any]]) -> None:
    path, doc = example_audit
    tree = strict_parse(path.read_text(encoding="utf-8"))
    rows = tree.findall(".//table[@class='domains']/tbody/tr[@data-domain]")
    assert len(rows) == len(doc["domains"])
    assert tree.findall(".//script") == []
    assert tree.findall(".//link") == []


@pytest.fixture
def hostile_html(nsd: NsdServer, tmp_path: Path) -> Path:
    nsd.serve({".": hostile_zone()})
    send = tmp_path / "<b onmouseover=alert(4)>x.yaml"
    send.write_text(HOSTILE_SEND)
    audit(tmp_path, "html", "--nameserver", nsd.address, "--no-cache", str(send))
    return tmp_path / "audit.html"


def test_hostile_values_render_as_text(hostile_html: Path) -> None:
    tree = strict_parse(hostile_html.read_text(encoding="utf-8"))
    assert tree.findall(".//script") == [] and tree.findall(".//img") == []
    assert not [(el.tag, name) for el in tree.iter() for name in el.attrib if name.startswith("on")]
    text = "".join(tree.itertext())
    assert "<script>alert(1)</script>@evil.example" in text  # the DMARC record, as text
    assert "<b onmouseover=alert(4)>x.yaml" in text  # the file name
    assert '"<img src=x onerror=alert(3)>"' in text  # the envelope's display name


class Watched:
    """A page with every request, console error, page error and dialog recorded."""

    def __init__(self, browser: Browser, width: int = 1280) -> None:
        self.page: Page = browser.new_page(viewport={"width": width, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: self.errors.append(f"dialog {dialog.message}"))

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")


def test_in_a_browser(browser: Browser, example_audit: tuple[Path, dict[str, Any]]) -> None:
    path, doc = example_audit
    watched = Watched(browser)
    watched.open(path)
    page = watched.page
    assert watched.errors == []
    assert watched.requests == [path.as_uri()]  # the file itself, nothing else
    rows = page.locator("table.domains tr[data-domain]")
    assert rows.count() == len(doc["domains"])
    for number, domain in enumerate(doc["domains"]):
        row = rows.nth(number)
        name = domain["domain"] or "(author not known)"
        assert row.get_attribute("data-domain") == name
        for outcome in OUTCOMES:
            rect = row.locator(f'rect[data-outcome="{outcome}"]')
            assert rect.get_attribute("data-count") == str(domain["totals"][outcome])
            width = rect.bounding_box()
            drawn = width is not None and width["width"] > 0.5
            assert drawn == (domain["totals"][outcome] > 0), (name, outcome)
    totals = page.locator('svg[data-bar="totals"] rect[data-outcome]')
    assert {
        totals.nth(i).get_attribute("data-outcome"): int(
            totals.nth(i).get_attribute("data-count") or ""
        )
        for i in range(totals.count())
    } == doc["totals"]
    # a domain's details open on a click
    details = page.locator("details").first
    assert not page.locator("details table.sends").first.is_visible()
    details.locator("summary").click()
    assert page.locator("details table.sends").first.is_visible()
    assert_not_blank(browser, page.screenshot(full_page=True))
    page.close()


def test_printed_with_every_domain_open(
    browser: Browser, example_audit: tuple[Path, dict[str, Any]]
) -> None:
    path, doc = example_audit
    watched = Watched(browser)
    watched.open(path)
    page = watched.page
    sends = page.locator("details table.sends")
    assert not any(sends.nth(i).is_visible() for i in range(sends.count()))
    page.emulate_media(media="print")
    assert sends.count() == len(doc["domains"])
    assert all(sends.nth(i).is_visible() for i in range(sends.count()))
    page.close()


def test_fits_a_phone(browser: Browser, example_audit: tuple[Path, dict[str, Any]]) -> None:
    path, _ = example_audit
    watched = Watched(browser, width=390)
    watched.open(path)
    page = watched.page
    for summary in page.locator("details summary").all():
        summary.click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # wide tables scroll inside their box; the page does not
    assert watched.errors == []
    page.close()


def test_hostile_page_runs_nothing(browser: Browser, hostile_html: Path) -> None:
    watched = Watched(browser)
    watched.open(hostile_html)
    for summary in watched.page.locator("details summary").all():
        summary.click()
    assert watched.errors == []  # no dialog opened, no script ran
    assert watched.requests == [hostile_html.as_uri()]
    assert "<script>alert(1)</script>" in watched.page.inner_text("body")
    watched.page.close()


def assert_not_blank(browser: Browser, png: bytes) -> None:
    """The screenshot has many colours: read back through a canvas in the same browser."""
    page = browser.new_page()
    page.set_content("<canvas></canvas>")
    colours = page.evaluate(
        """async (src) => {
            const image = new Image();
            image.src = src;
            await image.decode();
            const canvas = document.querySelector("canvas");
            canvas.width = image.width;
            canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const data = context.getImageData(0, 0, image.width, image.height).data;
            const seen = new Set();
            for (let i = 0; i < data.length; i += 4 * 7) {
                seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
            }
            return seen.size;
        }""",
        "data:image/png;base64," + base64.b64encode(png).decode(),
    )
    page.close()
    assert colours > 20
