"""Transferred bytes and load time of the learner's progress page and the class overview of the demo
(`make demo`'s accounts, password demo-password), in Chromium: cold (a new browser context, so an empty
cache) and warm (the same page again in that context), the median of RUNS. With a third argument,
Chromium emulates a 20 Mbit/s link (5 up, 20 ms latency). docs/benchmarks.md, "Static assets".

    python scripts/bench_static_assets.py http://127.0.0.1:8000 [RUNS] [throttle]"""
import json
import statistics
import sys

from playwright.sync_api import sync_playwright

BASE = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
THROTTLE = len(sys.argv) > 3  # Chromium's network emulation: 20 Mbit/s down, 5 up, 20 ms latency
PAGES = {"progress (ada)": ("ada", "/learn/demo-algebra/progress/"), "class overview (teacher)": ("teacher", "/teach/class/1/")}
READ = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const bytes = nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0);
  const plotly = res.filter(r => r.name.includes('plotly'))
      .map(r => ({url: r.name.replace(location.origin, ''), transfer: r.transferSize, body: r.decodedBodySize}));
  return {bytes, load_ms: nav.loadEventEnd - nav.startTime, plotly};
}"""


def log_in(page, user):
    page.goto(BASE + "/accounts/login/")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
    results = {}
    for name, (user, path) in PAGES.items():
        cold, warm, detail = [], [], None
        for _ in range(RUNS):
            context = browser.new_context()
            page = context.new_page()
            log_in(page, user)
            if THROTTLE:
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                         "downloadThroughput": 20e6 / 8, "uploadThroughput": 5e6 / 8})
            page.goto(BASE + path, wait_until="load")
            page.wait_for_timeout(200)
            first = page.evaluate(READ)
            page.goto(BASE + path, wait_until="load")
            page.wait_for_timeout(200)
            again = page.evaluate(READ)
            cold.append(first)
            warm.append(again)
            detail = first["plotly"]
            context.close()
        results[name] = {
            "cold_bytes": statistics.median(r["bytes"] for r in cold),
            "cold_load_ms": round(statistics.median(r["load_ms"] for r in cold)),
            "warm_bytes": statistics.median(r["bytes"] for r in warm),
            "warm_load_ms": round(statistics.median(r["load_ms"] for r in warm)),
            "plotly": detail,
        }
    browser.close()
print(json.dumps(results, indent=1))
