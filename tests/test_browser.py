"""The web page in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Serves the real app with uvicorn in a background thread over a store built
from the bundled corpus, then does what a user does: search, filter, open a
commitment, download the XLSX.  Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO / "test-output" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# one screenshot per page for the README
README_SHOTS = ("search.png", "commitments.png", "commitment.png", "documents.png", "document.png")

pytestmark = pytest.mark.slow


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python package) not installed: pip install playwright"
    try:
        from policytrack.ingest.pipeline import ingest_paths  # noqa: F401
        from policytrack.store import Store  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"store/ingest pipeline not available yet: {exc}"
    if not any(p.suffix in (".pdf", ".docx", ".html", ".txt") for p in CORPUS.glob("*")):
        return "bundled corpus/ has no documents yet"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    why = _skip_reason()
    if why:
        pytest.skip(why)
    import uvicorn

    from policytrack.api.app import create_app
    from policytrack.api.cli_serve import ingest_demo
    from policytrack.api.security import ApiSettings
    from policytrack.config import get_settings

    data = tmp_path_factory.mktemp("browser-data")
    assert ingest_demo(data, CORPUS)
    port = _free_port()
    config = uvicorn.Config(create_app(get_settings(data), ApiSettings(token="t")), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(10)


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True,
        )
        yield ctx
        ctx.close()


@pytest.fixture()
def page(browser):
    pg = browser.new_page()
    yield pg
    pg.close()


def test_search_shows_results_with_highlights(server, page):
    page.goto(server + "/")
    page.get_by_label("搜索规划承诺、进展数据和原文段落").fill("大班额 目标")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits li.hit")
    hits = page.locator("ol.hits li.hit")
    assert hits.count() >= 1
    assert page.locator("ol.hits mark").count() >= 1
    assert page.locator(".badge.type-commitment").count() >= 1
    assert page.locator(".facets .chip").count() >= 1
    page.screenshot(path=str(SHOTS / "search.png"), full_page=False)


def test_search_facet_chip_filters(server, page):
    page.goto(server + "/?q=大班额+目标")
    chip = page.locator(".facet .chip").filter(has_text="承诺").first
    chip.click()
    page.wait_for_load_state()
    assert "type=commitment" in page.url
    assert page.locator(".badge.type-passage").count() == 0


def test_search_filter_by_status(server, page):
    page.goto(server + "/?q=大班额+目标")
    chips = page.locator("section.facet:has(#facet-status) .chip")
    assert chips.count() >= 1, "status facet from tracking is shown"
    chip = chips.filter(has_text="已完成").first if chips.filter(has_text="已完成").count() else chips.first
    label = chip.inner_text().split()[0]
    expected = int(chip.locator(".count").inner_text())
    chip.click()
    page.wait_for_load_state()
    assert "status=" in page.url
    assert int(page.locator("p.total strong").inner_text()) == expected
    badges = page.locator("ol.hits .hit-head .badge[class*='status-']").all_inner_texts()
    assert badges and all(b == label for b in badges)
    page.screenshot(path=str(SHOTS / "search-status.png"))


def test_keyboard_only_search(server, page):
    """From another page by keyboard alone: skip link first, nav link to the search page,
    the search box has focus, Enter submits, Tab moves on with a visible focus ring."""
    page.goto(server + "/ui/commitments")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "搜索":
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
    page.keyboard.press("Enter")
    page.wait_for_selector("#q")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("大班额 目标")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits li.hit")
    assert "q=" in page.url and page.locator("ol.hits li.hit").count() >= 1
    page.keyboard.press("Tab")  # from the search box to its button
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("", "none")


def test_commitments_filter_by_status(server, page):
    page.goto(server + "/ui/commitments")
    page.wait_for_selector("table.commitments tbody tr")
    total_before = int(page.locator("p.total strong").inner_text())
    assert total_before >= 1
    chips = page.locator(".chips .chip")
    assert chips.count() >= 1
    # pick the smallest status group, so filtering visibly narrows the table when there are several
    counts = [int(chips.nth(i).locator(".count").inner_text()) for i in range(chips.count())]
    i = counts.index(min(counts))
    label = chips.nth(i).inner_text().split()[0]
    chips.nth(i).click()
    page.wait_for_load_state()
    assert "status=" in page.url
    assert int(page.locator("p.total strong").inner_text()) == counts[i]
    badges = page.locator("table.commitments tbody .badge").all_inner_texts()
    assert badges and all(b == label for b in badges if b != "数据冲突")
    page.screenshot(path=str(SHOTS / "commitments-filtered.png"))
    page.goto(server + "/ui/commitments")
    page.screenshot(path=str(SHOTS / "commitments.png"))


def test_commitment_page_shows_chart(server, page):
    page.goto(server + "/ui/commitments?sort=deadline")
    # prefer a quantitative commitment that has linked figures
    rows = page.locator("table.commitments tbody tr")
    target = None
    for k in range(rows.count()):
        if rows.nth(k).locator("td.num").nth(1).inner_text().strip():
            target = rows.nth(k)
            break
    (target or rows.first).locator("td a").first.click()
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart").is_visible()
    assert page.locator("blockquote.source mark").count() == 1
    page.screenshot(path=str(SHOTS / "commitment.png"), full_page=True)


def test_download_xlsx(server, page, tmp_path):
    import openpyxl

    page.goto(server + "/ui/commitments")
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载 XLSX").click()
    path = tmp_path / "audit.xlsx"
    dl.value.save_as(str(path))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames
    assert sum(ws.max_row for ws in wb.worksheets) > 1


def test_document_page_highlights_are_clickable(server, page):
    page.goto(server + "/ui/documents")
    page.screenshot(path=str(SHOTS / "documents.png"))
    page.locator("table.docs tbody a").filter(has_text="发展规划").first.click()
    page.wait_for_selector("article.doctext")
    spans = page.locator("article.doctext a.span-commitment")
    assert spans.count() >= 1 and page.locator("article.doctext a.span-progress").count() >= 1
    page.screenshot(path=str(SHOTS / "document.png"))
    first = spans.first
    quote = first.inner_text()
    first.click()
    page.wait_for_selector("blockquote.source mark")
    assert "/ui/commitments/" in page.url
    assert page.locator("blockquote.source mark").inner_text() == quote
    # a reported figure opens the commitment it is linked to, which lists it
    page.go_back()
    fig = page.locator("article.doctext a.span-progress[href^='/ui/commitments/']").first
    fig_id = fig.get_attribute("id")
    fig.click()
    page.wait_for_selector("blockquote.source")
    assert "/ui/commitments/" in page.url
    assert page.locator(f"table.links a[href$='#{fig_id}']").count() == 1


def test_screenshots_copied_for_readme():
    """Keep docs/screenshots/ in step with the latest run (the README shows them)."""
    if not SHOTS.exists() or not list(SHOTS.glob("*.png")):
        pytest.skip("no screenshots taken in this run")
    dest = REPO / "docs" / "screenshots"
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in README_SHOTS:
        if (SHOTS / name).exists():
            shutil.copy2(SHOTS / name, dest / name)
            copied.append(name)
    assert copied
