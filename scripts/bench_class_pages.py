"""Time to the `load` event of a class's overview and "now" pages in Chromium, the browser's half of
issue 20's "a class of 30 loads its overview in < 2 s in the browser" (the server's half is
`manage.py bench_dashboard`, which also makes the class: `--keep --password PASSWORD`). Cold: a new
browser context (an empty cache); warm: the same page again in that context. Median and worst of
RUNS, the server's share (the navigation's responseStart - requestStart) and the first contentful
paint (when the page's first text shows, before plotly.js has run). docs/benchmarks.md, "Teacher
dashboard".

    python scripts/bench_class_pages.py http://127.0.0.1:8000 CLASS_ID TEACHER PASSWORD [RUNS]"""
import json
import statistics
import sys

from playwright.sync_api import sync_playwright

BASE, CLASS_ID, TEACHER, PASSWORD = sys.argv[1:5]
RUNS = int(sys.argv[5]) if len(sys.argv) > 5 else 5
PAGES = {"overview": f"/teach/class/{CLASS_ID}/", "now": f"/teach/class/{CLASS_ID}/now/"}
READ = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {load_ms: nav.loadEventEnd - nav.startTime, server_ms: nav.responseStart - nav.requestStart,
          paint_ms: paint ? paint.startTime : null, rows: document.querySelectorAll('tr[data-learner]').length};
}"""


def timed(page, path: str) -> dict:
    response = page.goto(BASE + path, wait_until="load")
    if response is None or response.status != 200:
        raise SystemExit(f"{path} answered {response and response.status}: is the class id and teacher right?")
    page.wait_for_timeout(100)  # loadEventEnd is set once the load handlers have run
    return page.evaluate(READ)


def summary(runs: list[dict]) -> dict:
    loads = sorted(run["load_ms"] for run in runs)
    return {"load_median_ms": round(statistics.median(loads)), "load_worst_ms": round(loads[-1]),
            "server_median_ms": round(statistics.median(run["server_ms"] for run in runs)),
            "first_paint_median_ms": round(statistics.median(run["paint_ms"] or 0 for run in runs)),
            "learner_rows": runs[0]["rows"]}


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
    results = {}
    for name, path in PAGES.items():
        cold, warm = [], []
        for _ in range(RUNS):
            context = browser.new_context()
            page = context.new_page()
            page.goto(BASE + "/accounts/login/")
            page.get_by_label("Username").fill(TEACHER)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state("load")
            cold.append(timed(page, path))
            warm.append(timed(page, path))
            context.close()
        results[name] = {"cold": summary(cold), "warm": summary(warm)}
    browser.close()
print(json.dumps(results, indent=1))
