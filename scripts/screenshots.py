#!/usr/bin/env python3
"""``make screenshots``: every main page as each demo role sees it, at 1366 and 390 px wide.

Loads the demo portfolio into a throw-away SQLite database (the machine's own data is not
touched), serves it with ``manage.py runserver`` (DEBUG off, as the demo runs), logs in through
the real login page as each featured demo person, and writes full-page PNGs to
``var/screenshots/<role>-<page>-<width>.png``. Prints the files it wrote.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "screenshots"
WIDTHS = (1366, 390)
HEIGHT = {1366: 900, 390: 844}

# (role label, demo email) — the people `make demo` prints.
PEOPLE = (
    ("pm", "pm@gatehouse.demo"),
    ("executive", "exec@gatehouse.demo"),
    ("partner", "partner@gatehouse.demo"),
    ("viewer", "viewer@gatehouse.demo"),
)
# (page label, path); "{project}" is a project the person may see, found on the project list.
# The charter editor is added for whoever has a draft linked from their home page.
PAGES = (
    ("home", "/"),
    ("projects", "/projects/"),
    ("project", "{project}"),
    ("charter", "{project}charter/"),
    ("timeline", "/decisions/projects/{project_id}/timeline/"),
    ("decisions-due", "/decisions/due/"),
    ("dashboard", "/decisions/dashboard/"),
    ("notifications", "/decisions/notifications/"),
    ("profile", "/accounts/profile/"),
    ("not-found", "/no-such-page/"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, child: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit("The web server stopped before it answered.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("The web server did not answer within a minute.")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from portfolio.demo import DEMO_PASSWORD

    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="gatehouse-shots-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{work / 'demo.sqlite3'}",
        "DEBUG": "false",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)  # the throw-away demo needs no server
    server = None
    try:
        print("Loading the demo portfolio into a throw-away database…", flush=True)
        for args in (["migrate", "--no-input", "-v", "0"], ["load_demo", "--quiet-logins"]):
            subprocess.run(  # noqa: S603 -- argv is built in this file
                [python, "manage.py", *args], cwd=ROOT, env=env, check=True
            )
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 -- argv is built in this file
            [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        OUT.mkdir(parents=True, exist_ok=True)
        written = shoot(base, DEMO_PASSWORD)
        print(f"\n{len(written)} screenshots in {OUT.relative_to(ROOT)}/")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def shoot(base: str, password: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        for role, email in PEOPLE:
            context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT[1366]})
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            page.goto(f"{base}/projects/?stage=poc&sort=deadline")
            link = page.locator("#project-results tbody tr .project-cell > a").first
            project = link.get_attribute("href") if link.count() else "/projects/"
            match = re.search(r"/projects/(\d+)/", project or "")
            project_id = match.group(1) if match else "0"
            pages = list(PAGES)
            # A PM's home links to the charters they are drafting: the editor is shot too.
            page.goto(f"{base}/")
            editor = page.locator('a[href$="/charter/edit/"]').first
            if editor.count():
                pages.append(("charter-editor", editor.get_attribute("href") or "/"))
            for name, path in pages:
                url = base + path.format(project=project, project_id=project_id)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": HEIGHT[width]})
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    target = OUT / f"{role}-{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    written.append(target)
                    print(f"  {target.relative_to(ROOT)}", flush=True)
            context.close()
        browser.close()
    return written


if __name__ == "__main__":
    sys.exit(main())
