"""Screenshots of the annotator's pages for the README, made the same way every time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotator \
        .venv/bin/python scripts/screenshots.py

Creates a throwaway database next to DATABASE_URL's (screenshots_<name>), seeds the demo
into it, serves the app on a local port, drives Debian's headless Chromium through
Playwright as the demo annotator `annotator1`, writes PNGs to docs/screenshots/ and
drops the database again. Nothing touches the database DATABASE_URL names.
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
# Viewport coordinates of the first and last characters of [start, end) in the code.
CHAR_BOXES = """([start, end]) => {
  const code = document.querySelector("[data-code]");
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  let seen = 0, node, range = document.createRange(), boxes = [];
  while ((node = walker.nextNode())) {
    for (const [i, at] of [[0, start], [1, end - 1]]) {
      if (at >= seen && at < seen + node.data.length) {
        range.setStart(node, at - seen); range.setEnd(node, at - seen + 1);
        const r = range.getBoundingClientRect();
        boxes[i] = {x: r.left, y: r.top + r.height / 2, w: r.width};
      }
    }
    seen += node.data.length;
  }
  return boxes;
}"""


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop
    import django

    django.setup()


def select(page, start: int, end: int) -> None:
    left, right = page.evaluate(CHAR_BOXES, [start, end])
    page.mouse.move(left["x"] + 1, left["y"])
    page.mouse.down()
    page.mouse.move(right["x"] + right["w"] - 1, right["y"], steps=6)
    page.mouse.up()


def label(page, text: str, value: str, category: str, context: str = "real") -> None:
    start = text.index(value)
    select(page, start, start + len(value))
    if page.is_visible(f"input[name=context][value={context}]"):
        page.check(f"input[name=context][value={context}]")
    count = page.locator("[data-span-item]").count()
    page.click(f"[data-span-form] [data-category={category}]")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-span-item]').length > n", arg=count
    )


def snap(page, name: str) -> None:
    # caret="initial": hiding the caret would inject a <style>, which the CSP refuses.
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True, caret="initial")
    print(f"wrote {OUT / name}.png")


def take(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    from annotator.demo.services import ANNOTATORS, DEMO_PASSWORD
    from annotator.labeling.models import Assignment
    from annotator.projects.models import Project

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1360, "height": 860})
        page.set_default_timeout(15_000)
        page.goto(base_url + "/accounts/login/")
        page.fill("input[name=username]", ANNOTATORS[0])
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/accounts/consent/$"))
        snap(page, "consent")
        page.check("input[name=agree]")
        page.click("main button[type=submit]")
        page.wait_for_selector("[data-category-status]")
        snap(page, "home")

        # The first quiz question, answered with the right span but the wrong context.
        page.click("text=Start quiz")
        page.wait_for_selector("[data-code]")
        page.click("[data-instructions] > summary")  # fold the first-visit instructions
        assignment = Assignment.objects.select_related("task__snippet").latest("pk")
        text, gold = assignment.task.snippet.text, assignment.task.gold_spans[0]
        label(page, text, text[gold["start"] : gold["end"]], "NAME", "real")
        page.focus("[data-code]")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-feedback]")
        snap(page, "quiz-feedback")

        # A generation project's task with a few spans and the focus on one of them.
        page.set_viewport_size({"width": 1360, "height": 1500})  # drags need no scrolling
        project = Project.objects.filter(kind=Project.Kind.GENERATION).order_by("pk").first()
        page.goto(f"{base_url}/projects/{project.pk}/work/")
        page.wait_for_selector("[data-code]")
        page.click("[data-instructions] > summary")
        assignment = Assignment.objects.select_related("task__snippet").latest("pk")
        text = assignment.task.snippet.text
        patterns = [
            (r"[\w.+-]+@[\w-]+\.[\w.]+", "EMAIL"),
            (r"\b(?:\d{1,3}\.){3}\d{1,3}\b", "IP_ADDRESS"),
            (r"(?<=Copyright \(c\) \d{4} )[A-Z]\w+ [A-Z]\w+", "NAME"),
        ]
        for pattern, category in patterns:
            found = re.search(pattern, text)
            if found and category in project.categories:
                label(page, text, found.group(0), category)
        page.focus("[data-code]")
        page.keyboard.press("Tab")
        snap(page, "labeling")
        browser.close()


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connection
    from django.test.testcases import LiveServerThread
    from django.test.utils import setup_test_environment

    from annotator.demo.services import demo_seed

    OUT.mkdir(parents=True, exist_ok=True)
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"screenshots_{database['NAME']}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    server = None
    try:
        demo_seed()
        # The server thread opens its own connection: the seed is committed already.
        server = LiveServerThread("127.0.0.1", StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        take(f"http://127.0.0.1:{server.port}")
    finally:
        if server is not None:
            server.terminate()
        connection.close()
        _drop_sessions(connection, database["NAME"])
        connection.creation.destroy_test_db(database["NAME"], verbosity=0)


def _drop_sessions(connection, name: str) -> None:
    """End the server threads' leftover sessions, or the database cannot be dropped."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


if __name__ == "__main__":
    main()
