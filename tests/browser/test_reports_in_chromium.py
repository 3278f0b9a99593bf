"""The HTML report and the class dashboard, opened in a real headless Chromium: no console
error, every plot drawn and not blank, the flagged notebook cells shown and reachable from their
checks, readable on a phone, printable; the dashboard's search and sort work without a server."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from grader.report.dashboard import write_dashboard
from grader.report.html import MAX_PLOTS, render_html
from grader.similarity import compare
from tests.grader.report.classroom import NOTEBOOK, build, class_of, graded

MIN_VARIANCE = 100.0     # a blank (single-colour) image has variance 0


@pytest.fixture(scope="module")
def report_page(classroom) -> Path:
    report = graded("buggy_notebook", classroom)       # its checks recorded their own curves
    folder = build("buggy_notebook", classroom)
    page = classroom / "report.html"
    page.write_text(render_html(report, [(NOTEBOOK, folder / NOTEBOOK)]), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def dashboard_page(classroom) -> Path:
    students = class_of(30, classroom)
    out = classroom / "class"
    for sid, _, path, link in students:          # each student's own HTML report, as linked
        from grader.report.json_report import load_json

        (out / link).write_text(render_html(load_json(path.read_text()), []), encoding="utf-8")
    code = {sid: out / "code" / sid for sid, *_ in students}
    return write_dashboard(out, students, similarity=compare(code))


def _open(browser, page: Path):
    browser.set_window_size(1100, 900)
    browser.get(page.as_uri())
    browser.get_log("browser")   # noqa: B018  (drop anything logged before this page)
    browser.get(page.as_uri())


def _console_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def _full_screenshot(browser, path: Path, width: int = 1100) -> Path:
    browser.execute_script("window.scrollTo(0, 0)")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(int(height) + 100, 16000))
    browser.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def _variance(png: bytes) -> float:
    from PIL import Image, ImageStat

    return ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).var[0]


def test_report_has_no_console_error_and_every_plot_is_drawn(browser, report_page, screenshots):
    _open(browser, report_page)
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    from selenium.webdriver.common.by import By

    images = browser.find_elements(By.CSS_SELECTOR, "figure.plot img")
    assert len(images) == MAX_PLOTS
    for i, img in enumerate(images):
        browser.execute_script("arguments[0].scrollIntoView()", img)
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) == 640
        png = img.screenshot_as_png
        (screenshots / f"report-plot-{i}.png").write_bytes(png)
        print(f"screenshot: {screenshots / f'report-plot-{i}.png'}")
        assert _variance(png) > MIN_VARIANCE, f"plot {i} is blank"
    _full_screenshot(browser, screenshots / "report-full.png")
    assert _console_errors(browser) == []


def test_flagged_cells_are_shown_and_reached_from_their_check(browser, report_page, screenshots):
    from selenium.webdriver.common.by import By

    _open(browser, report_page)
    flagged = browser.find_elements(By.CSS_SELECTOR, "#notebooks [data-flagged]")
    assert [f.get_attribute("id") for f in flagged] == [f"nb0-cell-{n}" for n in (3, 4, 5, 6)]
    for cell in flagged:
        assert cell.is_displayed()
        assert "flagged by" in cell.find_element(By.CSS_SELECTOR, ".flag-banner").text
    assert "the net overfits" in browser.find_element(By.ID, "nb0-cell-5").text
    link = browser.find_element(By.CSS_SELECTOR, '#check-notebook\\.cells_ran a[href="#nb0-cell-3"]')
    link.click()
    top = browser.execute_script("return document.getElementById('nb0-cell-3').getBoundingClientRect().top")
    assert 0 <= top < 200, "the link scrolls the flagged cell into view"
    browser.save_screenshot(str(screenshots / "report-flagged-cell.png"))
    print(f"screenshot: {screenshots / 'report-flagged-cell.png'}")
    assert _console_errors(browser) == []


def test_report_reads_on_a_phone_and_prints(browser, report_page, screenshots):
    _open(browser, report_page)
    browser.set_window_size(390, 844)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
    _full_screenshot(browser, screenshots / "report-phone.png", width=390)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    from selenium.webdriver.common.by import By

    collapsed = browser.find_element(By.ID, "check-relu_forward.values")
    visible = "return arguments[0].checkVisibility() && arguments[0].getBoundingClientRect().height > 0"
    assert browser.execute_script(visible, collapsed), "printing shows the collapsed (passed) checks too"
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert not browser.execute_script(visible, collapsed), "on screen they stay collapsed"
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {})["data"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    (screenshots / "report.pdf").write_bytes(pdf)
    print(f"printed: {screenshots / 'report.pdf'}")


def test_dashboard_search_sort_and_histogram(browser, dashboard_page, screenshots):
    from selenium.webdriver.common.by import By

    _open(browser, dashboard_page)
    histogram = browser.find_element(By.CSS_SELECTOR, "#summary figure.plot img")
    assert browser.execute_script("return arguments[0].naturalWidth", histogram) == 640
    assert _variance(histogram.screenshot_as_png) > MIN_VARIANCE
    rows = lambda: [r for r in browser.find_elements(By.CSS_SELECTOR, "#students tbody tr") if r.is_displayed()]  # noqa: E731
    assert len(rows()) == 30
    search = browser.find_element(By.ID, "search")
    search.send_keys("Student 2")            # Student 2, Student 20 ... Student 29
    assert sorted(r.find_elements(By.TAG_NAME, "td")[1].text for r in rows()) == \
        sorted(["Student 2"] + [f"Student {n}" for n in range(20, 30)])
    assert browser.find_element(By.ID, "shown").text == "11"
    search.clear()
    search.send_keys(" ")
    search.clear()
    browser.execute_script("document.getElementById('search').dispatchEvent(new Event('input'))")
    score_header = browser.find_elements(By.CSS_SELECTOR, "#students thead th")[2]
    score_header.click()                      # ascending
    score_header.click()                      # descending
    scores = [float(r.find_elements(By.TAG_NAME, "td")[2].get_attribute("data-v")) for r in rows()]
    assert scores == sorted(scores, reverse=True) and len(scores) == 30
    _full_screenshot(browser, screenshots / "dashboard-full.png")
    assert _console_errors(browser) == []
    browser.set_window_size(390, 844)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the dashboard scrolls sideways by {overflow}px on a phone"
    _full_screenshot(browser, screenshots / "dashboard-phone.png", width=390)


def test_dashboard_links_open_the_students_reports(browser, dashboard_page, screenshots):
    from selenium.webdriver.common.by import By

    _open(browser, dashboard_page)
    browser.find_element(By.CSS_SELECTOR, '#students a[href="students/s004/report.html"]').click()
    assert browser.current_url.endswith("students/s004/report.html")
    assert "Grading report" in browser.find_element(By.TAG_NAME, "h1").text
    assert _console_errors(browser) == []
    _open(browser, dashboard_page)
    pair = browser.find_element(By.ID, "pair-s001-s002")
    browser.execute_script("arguments[0].scrollIntoView()", pair)
    marks = pair.find_elements(By.TAG_NAME, "mark")
    assert marks and marks[0].is_displayed()
    path = screenshots / "dashboard-similar-pair.png"
    path.write_bytes(pair.screenshot_as_png)
    print(f"screenshot: {path}")
