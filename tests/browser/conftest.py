"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver, via Selenium).

Screenshots go to ``$GRADER_SCREENSHOTS`` when set, else to pytest's temporary folder; every
test prints the paths of the screenshots it took, and the end of the test run names the folder
(pytest's terminal summary), so that the screenshots are part of the test output.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1100,900")


def _missing() -> str | None:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return "no chromium binary (.ci/run installs Debian's chromium)"
    if not CHROMEDRIVER.exists():
        return "no chromedriver (Debian's chromium-driver)"
    return None


@pytest.fixture(scope="session")
def classroom(tmp_path_factory):
    return tmp_path_factory.mktemp("classroom")


SCREENSHOTS: list[Path] = []       # the folder, once a test asked for it


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("GRADER_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.append(path)
    return path


def pytest_terminal_summary(terminalreporter):
    for folder in SCREENSHOTS:
        shots = sorted(p.name for p in folder.iterdir())
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(shots)} files in {folder} (set GRADER_SCREENSHOTS to choose it):")
        for name in shots:
            terminalreporter.write_line(f"  {folder / name}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One Chromium per test module, with a fresh profile and the console log captured."""
    why = _missing()
    if why:
        pytest.skip(why)
    os.environ.setdefault("SE_OFFLINE", "true")      # Selenium must never download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
