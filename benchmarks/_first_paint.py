"""First contentful paint of one dashboard page in Chromium (Debian's, driven by Playwright; no browser
download), signed in with a session cookie the benchmark made.

Each load runs in a fresh browser context, so nothing is cached: the HTML, the stylesheets and the script
come over loopback from gunicorn every time, as on a person's first visit. The paint time is the page's
own ``performance.getEntriesByName("first-contentful-paint")``; the HTML's time is its navigation entry's
``responseEnd`` (request sent to last byte received), both from the start of the navigation.
"""

from __future__ import annotations

import os
import shutil
import statistics
from urllib.parse import urlsplit

PAINT_TARGET_MS = 1000.0
VIEWPORT = {"width": 1280, "height": 900}
READ = """() => new Promise(resolve => {
    const found = () => performance.getEntriesByName("first-contentful-paint")[0];
    const html = () => performance.getEntriesByType("navigation")[0].responseEnd;
    const done = () => resolve([found().startTime, html()]);
    if (found()) return done();
    new PerformanceObserver(() => found() && done()).observe({type: "paint", buffered: true});
})"""


def unavailable() -> str | None:
    """Why the first paint cannot be measured on this machine (the line the benchmark prints), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "first paint skipped: Playwright is not installed (pip install '.[dev]')"
    if not _chromium():
        return "first paint skipped: Chromium is not installed (apt-get install chromium, or set CHROMIUM)"
    return None


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def first_paints(url: str, session: str, loads: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """((FCP p50, p95), (HTML p50, p95)) in ms over ``loads`` cold loads of ``url`` after one warm-up."""
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    paints, served = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for number in range(loads + 1):
                context = browser.new_context(viewport=VIEWPORT)
                context.add_cookies([{"name": "sessionid", "value": session, "url": origin}])
                page = context.new_page()
                answer = page.goto(url, wait_until="load")
                if answer is None or answer.status != 200:
                    raise SystemExit(f"{url} answered {answer.status if answer else 'nothing'} in Chromium")
                paint, html = page.evaluate(READ)
                context.close()
                if number:  # the first load warms gunicorn's worker and the database's cache
                    paints.append(paint)
                    served.append(html)
        finally:
            browser.close()
    return _spread(paints), _spread(served)


def _spread(values: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]
    return statistics.median(values), p95
