"""Screenshots of the teaching playground at projector and phone sizes, for docs/ (needs the web and
test extras and Chromium).

    python scripts/screenshots.py
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = "#age=72&sudden_onset=no&faint=no&urinary_retention=no&urinary_incontinence=unsure&weakness=yes&fever=no&diabetes=yes"


def main() -> int:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from triage.teach.playground import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app(), host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                                                    "--disable-background-networking"])
        for name, size, anchor in (("projector", (1920, 1080), None), ("projector-flowchart", (1920, 1080), "#flowchart"),
                                   ("phone", (390, 844), None), ("phone-result", (390, 844), "#result")):
            page = browser.new_context(viewport={"width": size[0], "height": size[1]}, bypass_csp=True).new_page()
            page.goto(f"http://127.0.0.1:{port}/{CASE}")
            page.wait_for_function("document.body.dataset.busy === 'false'")
            if anchor:
                page.locator(anchor).scroll_into_view_if_needed()
                page.evaluate(f"document.querySelector('{anchor}').parentElement.scrollIntoView()")
            page.wait_for_timeout(200)
            page.screenshot(path=str(ROOT / "docs" / f"playground-{name}.png"))
            print(f"docs/playground-{name}.png")
        browser.close()
    server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
