"""The player as a person sees it: a saved page opened in headless Chromium through Selenium,
stepped through with the arrow keys and the Next / Prev buttons, the numbers read off the page."""
import shutil
from pathlib import Path

import pytest

from tests.viz.test_viz_record import layer_shop

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()), None)
DRIVER = next((p for p in ("/usr/bin/chromedriver", shutil.which("chromedriver") or "") if p and Path(p).exists()), None)
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                                reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def shown(driver):
    """The caption, the frame counter and the words of the picture that are visible."""
    by = webdriver.common.by.By
    caption = driver.find_element(by.CSS_SELECTOR, ".ag-caption").text
    count = driver.find_element(by.CSS_SELECTOR, ".ag-count").text
    words = driver.execute_script(
        "return Array.from(document.querySelectorAll('g.node text'))"
        ".filter(e => getComputedStyle(e).visibility !== 'hidden').map(e => e.textContent)")
    return caption, count, words


def test_stepping_through_the_saved_player(browser, tmp_path):
    page = layer_shop().play().save(tmp_path / "backprop.html")
    assert "http" not in page.read_text(encoding="utf-8").replace("http://www.w3.org", "")  # nothing to fetch
    browser.get(page.as_uri())
    by, keys = webdriver.common.by.By, webdriver.common.keys.Keys
    caption, count, words = shown(browser)
    assert count == "frame 1 / 10" and caption.startswith("Inputs: apple = 100.0")
    assert "100.0" in words and "200.0" not in words and not any(w.startswith("grad") for w in words)

    body = browser.find_element(by.TAG_NAME, "body")
    body.send_keys(keys.ARROW_RIGHT)
    caption, count, words = shown(browser)
    assert count == "frame 2 / 10" and caption == "Forward 1/4: Mul(apple=100, apple_num=2) \u2192 apple_price = 200"
    assert "200.0" in words and "450.0" not in words

    for _ in range(3):
        browser.find_element(by.CSS_SELECTOR, ".ag-next").click()
    caption, count, words = shown(browser)
    assert count == "frame 5 / 10" and "715.0000000000001" in words

    body.send_keys(keys.ARROW_RIGHT)  # the first backward step: the tax Mul
    caption, count, words = shown(browser)
    assert "Mul: dy = dout * x = 1 * 650 = 650   \u2192 tax" in caption
    assert "grad 650.0" in words and "grad 2.2" not in words

    body.send_keys(keys.END)
    browser.find_element(by.CSS_SELECTOR, ".ag-prev").click()  # the last backward step: apple's Mul
    caption, count, words = shown(browser)
    assert count == "frame 9 / 10" and "Mul: dx = dout * y = 1.1 * 2 = 2.2   \u2192 apple" in caption
    assert "grad 2.2" in words and "grad 110.00000000000001" in words

    browser.find_element(by.CSS_SELECTOR, ".ag-next").click()
    caption, count, words = shown(browser)
    assert caption.startswith("Everything") and "grad 110.00000000000001" in words and "grad 650.0" in words

    body.send_keys(keys.ARROW_LEFT)
    body.send_keys(keys.HOME)
    assert shown(browser)[1] == "frame 1 / 10"


def test_two_players_inline_on_one_page_step_on_their_own(browser, tmp_path):
    """As in a notebook: each player's keys work once it is clicked, and move that one only."""
    from tests.viz.test_viz_record import tensor_shop
    page = tmp_path / "notebook.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    + layer_shop().play()._repr_html_() + tensor_shop()[0].play()._repr_html_()
                    + "</body></html>", encoding="utf-8")
    browser.get(page.as_uri())
    by, keys = webdriver.common.by.By, webdriver.common.keys.Keys
    first, second = browser.find_elements(by.CSS_SELECTOR, ".ag-player")
    count = lambda player: player.find_element(by.CSS_SELECTOR, ".ag-count").text  # noqa: E731
    second.find_element(by.CSS_SELECTOR, ".ag-next").click()
    browser.switch_to.active_element.send_keys(keys.ARROW_RIGHT)
    assert (count(first), count(second)) == ("frame 1 / 10", "frame 3 / 10")
    first.click()
    browser.switch_to.active_element.send_keys(keys.END)
    assert (count(first), count(second)) == ("frame 10 / 10", "frame 3 / 10")
