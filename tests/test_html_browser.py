"""The html report as a reader sees it: rendered by the real `orbit`, laid out by a real
headless Chromium (Debian's package, driven by Playwright), measured in the page (issue 30).

Chromium comes from the system (`apt-get install chromium`); without it these tests are skipped,
unless ORBIT_REQUIRE_BROWSER=1 (set by .ci/run, which installs it) turns the skip into a failure.
`ORBIT_UPDATE_GOLDEN=1` also refreshes the screenshot kept in docs/html-report.png.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_process, settings_toml, write_files

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if CHROMIUM is None and os.environ.get("ORBIT_REQUIRE_BROWSER") != "1":
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM is not None, "ORBIT_REQUIRE_BROWSER=1 but chromium is not installed"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def render(root: Path, out: Path, *terms: str) -> Path:
    result = run_process("--root", str(root), "render", "--format", "html", "-o", str(out), *terms)
    assert result.returncode == 0, result.stderr
    return out


def open_page(browser: Any, path: Path, width: int = 1280) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 1600})
    page.goto(path.as_uri())
    return page


# Measured in the page: per chart, its window, tick labels' boxes, markers and the score path.
MEASURE = """() => [...document.querySelectorAll('section.charts-section figure svg')].map(svg => {
  const path = svg.querySelector('path.score');
  const ctm = svg.getScreenCTM();
  const box = path.getBBox();
  return {
    country: svg.closest('figure').querySelector('figcaption').textContent.split(' ')[0],
    start: svg.dataset.start, end: svg.dataset.end,
    labels: [...svg.querySelectorAll('g.xtick text')].map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, left: r.left, right: r.right, width: r.width};
    }),
    ticks: [...svg.querySelectorAll('g.xtick')].map(g => g.dataset.date),
    markers: [...svg.querySelectorAll('circle.event')].map(c => ({
      event: c.dataset.event, date: c.dataset.date,
      onLine: path.isPointInStroke(new DOMPoint(+c.getAttribute('cx'), +c.getAttribute('cy'))),
      visible: c.getBoundingClientRect().width > 0,
    })),
    pathLeft: box.x, pathRight: box.x + box.width, pathTop: box.y,
    axisLeft: +svg.querySelector('line.axis').getAttribute('x1'),
    viewWidth: svg.viewBox.baseVal.width,
    levelY: Object.fromEntries([...svg.querySelectorAll('g.level')].map(
      g => [g.dataset.level, +g.querySelector('line').getAttribute('y1')])),
    scale: ctm.a,
  };
})"""


def test_the_example_report_has_a_legend_a_time_axis_and_event_markers(
    browser: Any, example: Path, tmp_path: Path
) -> None:
    page = open_page(browser, render(example, tmp_path / "report.html"))
    charts = page.evaluate(MEASURE)
    assert [c["country"] for c in charts] == ["KZ", "KG", "TJ", "UZ", "TM", "AM", "BY"]
    # the header names the very window every chart draws
    start = page.inner_text(".window-start")
    end = page.inner_text(".window-end")
    assert (start, end) == ("2019-06-01", "2022-05-31")
    for chart in charts:
        assert (chart["start"], chart["end"]) == (start, end), chart["country"]
        # the line runs from the axis to the right edge: the window, no more, no less
        assert chart["pathLeft"] == pytest.approx(chart["axisLeft"], abs=0.5)
        assert chart["pathRight"] == pytest.approx(chart["viewWidth"] - 16, abs=0.5)
        # a time axis: more than the two end labels, none overlapping, in order, years named
        labels = chart["labels"]
        assert len(labels) >= 4, chart["country"]
        assert all(label["width"] > 0 for label in labels)
        for before, after in zip(labels, labels[1:], strict=False):
            assert before["right"] < after["left"], (before, after)
        assert labels[0]["text"] == "Jul 2019"
        assert {"2020", "2021", "2022"} <= {label["text"] for label in labels}
        assert all(start <= day <= end for day in chart["ticks"])
        # every marker is drawn, on the score line itself
        for marker in chart["markers"]:
            assert marker["visible"] and marker["onLine"], (chart["country"], marker)
    kz = next(c for c in charts if c["country"] == "KZ")
    assert {m["event"] for m in kz["markers"]} >= {
        "2021-08-kazakhstan-language-patrols",
        "2022-05-turkey-kazakhstan-anka-drones",
    }
    assert not next(c for c in charts if c["country"] == "AM")["markers"]  # nothing moved AM
    legend = page.locator("p.legend")
    assert legend.is_visible()
    words = legend.inner_text()
    for part in ("away from Russian Federation", "toward", "alert level", "moved the score"):
        assert part in words
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=False)
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("ORBIT_UPDATE_GOLDEN"):
        shutil.copy(screenshot, REPO / "docs" / "html-report.png")
    page.close()


def test_a_mid_month_peak_is_drawn_where_it_happens(browser: Any, tmp_path: Path) -> None:
    """An event on 15 March with a short half-life: by 31 March most of it has decayed, so a
    chart sampled at month ends never reaches the level the score crossed on the 15th."""
    root = write_files(
        tmp_path / "timeline",
        {
            "orbit.toml": settings_toml(
                ["KZ"],
                [
                    '[[rules]]\nid = "aid"\ntitle = "Aid"\nwhen = "tag:aid"\n'
                    'stance = "away"\nweight = 5\n'
                ],
                half_life="5d",
                levels={"watch": 4.0},
            ),
            "events/a.toml": 'date = 2022-03-15\ntitle = "Aid"\ncountries = ["KZ"]\n'
            'tags = ["aid"]\n',
            "events/b.toml": 'date = 2021-06-01\ntitle = "Earlier"\ncountries = ["KZ"]\n',
            "events/c.toml": 'date = 2022-05-20\ntitle = "Later"\ncountries = ["KZ"]\n',
        },
    )
    page = open_page(browser, render(root, tmp_path / "peak.html"))
    (chart,) = page.evaluate(MEASURE)
    # the drawn line rises above the watch level (score 5 on the 15th; 5 x 0.5^(16/5) = 0.54
    # by the month's end): SVG y grows downwards
    assert chart["pathTop"] < chart["levelY"]["watch"]
    (marker,) = chart["markers"]
    assert (marker["event"], marker["date"], marker["onLine"]) == ("a", "2022-03-15", True)
    page.close()


def test_a_narrow_window_labels_months_and_names_its_year(browser: Any, tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "timeline",
        {
            "orbit.toml": settings_toml(["KZ"], []),
            "events/a.toml": 'date = 2022-02-10\ntitle = "A"\ncountries = ["KZ"]\n',
            "events/b.toml": 'date = 2022-05-25\ntitle = "B"\ncountries = ["KZ"]\n',
        },
    )
    page = open_page(browser, render(root, tmp_path / "narrow.html"), width=420)
    (chart,) = page.evaluate(MEASURE)
    assert (chart["start"], chart["end"]) == ("2022-02-10", "2022-05-25")
    header = page.inner_text("p.meta")
    assert "from 2022-02-10 to 2022-05-25 (the last day the events cover; today is 2022-05-31)" in (
        header
    )
    assert [label["text"] for label in chart["labels"]] == ["Mar 2022", "Apr", "May"]
    for before, after in zip(chart["labels"], chart["labels"][1:], strict=False):
        assert before["right"] < after["left"]
    page.close()
