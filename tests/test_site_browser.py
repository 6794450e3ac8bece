"""The Daily Papers site in a real browser: Debian's Chromium, driven by Selenium.

The site is built in-process from a small store, served by ``http.server`` on
127.0.0.1, and opened in one headless Chromium for the whole module, through
the system's ``/usr/bin/chromedriver`` (nothing is downloaded). Each test
ends by checking that the browser logged no errors.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_paper
from tracker.config import Config, Keyword, Paths, SiteSettings
from tracker.models import KeywordRecord, Store
from tracker.outputs.site import site_files, write_site

CHROMEDRIVER, CHROMIUM = Path("/usr/bin/chromedriver"), Path("/usr/bin/chromium")
if not CHROMEDRIVER.exists() or not CHROMIUM.exists():
    pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium "
                "chromium-driver); .ci/run installs them", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# One browser for the module: its tests go to one worker of pytest-xdist (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("chromium")
SERIES, GRAPHS = Keyword("Time Series"), Keyword("Graph Networks")
HOSTILE_TITLE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> & $\\alpha$'
UNIQUE_WORD = "quasiperiodicity"
TODAY, YESTERDAY = "2026-08-21", "2026-08-20"
PAPERS = {
    "hostile": make_paper("2608.00001", title=HOSTILE_TITLE, first_seen=TODAY,
                          updated="2026-08-18T12:00:00Z",
                          abstract="An abstract with </p><b>markup</b> in it."),
    "unique": make_paper("2608.00002", title="Forecasting with seasonal kernels",
                         first_seen=TODAY,
                         abstract="Seasonal patterns repeat. " * 20 + f"We study {UNIQUE_WORD}."),
    "graphs": make_paper("2608.00003", title="Message passing at scale", first_seen=YESTERDAY,
                         abstract="Graph networks without the word from the other paper."),
}


def _config(root: Path) -> Config:
    return Config(keywords=(SERIES, GRAPHS), paths=Paths(templates=root / "no-templates"),
                  repository="https://github.com/me/papers",
                  site=SiteSettings(path=root / "site"))


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("site-browser")
    config = _config(root)
    store = Store(keywords={
        SERIES.name: KeywordRecord(papers=(PAPERS["hostile"], PAPERS["unique"])),
        GRAPHS.name: KeywordRecord(papers=(PAPERS["graphs"], PAPERS["hostile"])),
    })
    assert config.site is not None
    write_site(config.site.path, site_files(config, config.site, store))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(config.site.path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1200,900",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def errors_logged(driver: webdriver.Chrome) -> list[str]:
    """The browser's console errors since the last call (reading the log empties it)."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def titles(driver: webdriver.Chrome, scope: str = "main") -> list[str]:
    return [link.text for link in
            driver.find_elements(By.CSS_SELECTOR, f"{scope} li.paper h3.title a")]


def test_index_shows_the_latest_days_papers(browser, site_url, tmp_path):
    browser.get(site_url + "index.html")
    assert titles(browser) == [PAPERS["unique"].title, HOSTILE_TITLE]
    links = browser.find_elements(By.CSS_SELECTOR, "main li.paper h3.title a")
    assert links[0].get_attribute("href") == PAPERS["unique"].abs_url
    more = browser.find_element(By.CSS_SELECTOR, "main li.paper details summary")
    assert more.text == "more"
    screenshot = tmp_path / "index.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert errors_logged(browser) == []


def test_hostile_title_shows_as_text(browser, site_url):
    browser.get(site_url + "index.html")
    assert HOSTILE_TITLE in titles(browser)
    assert browser.execute_script("return window.pwned === undefined")
    assert browser.execute_script("return document.images.length") == 0
    assert browser.execute_script("return document.scripts.length") == 1  # search.js only
    abstracts = browser.find_elements(By.CSS_SELECTOR, "main li.paper .abstract p")
    assert "An abstract with </p><b>markup</b> in it." in [p.text for p in abstracts]
    assert errors_logged(browser) == []


def test_search_finds_the_one_paper_with_a_word_of_its_abstract(browser, site_url):
    browser.get(site_url + "keywords/graph-networks.html")  # search works from every page
    box = browser.find_element(By.ID, "search-input")
    assert box.is_displayed()
    box.send_keys(UNIQUE_WORD)
    status = browser.find_element(By.ID, "search-status")
    WebDriverWait(browser, 10).until(lambda _: status.text)
    assert status.text == "1 paper matches."
    assert titles(browser, "#search-results") == [PAPERS["unique"].title]
    link = browser.find_element(By.CSS_SELECTOR, "#search-results a[href*='keywords/']")
    assert link.get_attribute("href") == site_url + "keywords/time-series.html"

    box.clear()
    box.send_keys("window.pwned")  # the hostile title, found and shown as text again
    WebDriverWait(browser, 10).until(
        lambda _: titles(browser, "#search-results") == [HOSTILE_TITLE])
    assert browser.execute_script("return window.pwned === undefined")
    assert errors_logged(browser) == []


def test_keyword_page_lists_its_papers(browser, site_url):
    browser.get(site_url + "index.html")
    browser.find_element(By.LINK_TEXT, "Graph Networks").click()
    WebDriverWait(browser, 10).until(lambda driver: driver.current_url.endswith(
        "keywords/graph-networks.html"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Graph Networks"
    assert titles(browser) == [PAPERS["graphs"].title, HOSTILE_TITLE]
    browser.get(site_url + f"days/{YESTERDAY}.html")
    assert titles(browser) == [PAPERS["graphs"].title]
    assert errors_logged(browser) == []


def test_pages_work_with_javascript_off_except_the_search(browser, site_url):
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(site_url + "index.html")
        assert titles(browser) == [PAPERS["unique"].title, HOSTILE_TITLE]
        assert not browser.find_element(By.ID, "search").is_displayed()
        rest = browser.find_element(By.CSS_SELECTOR, "main li.paper details p")
        assert not rest.is_displayed()
        browser.find_element(By.CSS_SELECTOR, "main li.paper details summary").click()
        assert rest.is_displayed() and UNIQUE_WORD in rest.text
        assert browser.find_element(By.ID, "subscribe").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    assert errors_logged(browser) == []
