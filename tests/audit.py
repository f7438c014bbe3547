"""The npm audit tools (installed by scripts/test into tests/js/node_modules with `npm ci`)
and how the tests run them: axe-core inside a page, the Nu HTML Checker over files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser import ARGS, CHROMIUM

NODE_MODULES = Path(__file__).parent / "js" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"

needs_npm_tools = pytest.mark.skipif(
    not AXE.exists() or not VNU.exists() or not LIGHTHOUSE.exists() or not shutil.which("java"),
    reason="needs the npm tools and Java (scripts/test installs them)",
)

# Impacts axe gives a violation; from moderate up, a page of ours may have none.
SERIOUS = ("moderate", "serious", "critical")


def axe_violations(page: object) -> list[dict]:
    """axe-core's violations on the page as it is now, one line of evidence per rule."""
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "first": v["nodes"][0]["target"], "why": v["nodes"][0]["failureSummary"]}
            for v in result["violations"]]


def nu_errors(files: list[Path]) -> list[str]:
    """The Nu HTML Checker's errors on the files (one JVM for all), as ``file:line: message``."""
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--stdout",
                          *map(str, files)], capture_output=True, text=True, timeout=600)
    messages = json.loads(run.stdout)["messages"]
    return [f"{m.get('url', '').rsplit('/site/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
            for m in messages if m["type"] in ("error", "non-document-error")]


def lighthouse(url: str, *options: str) -> dict:
    """Lighthouse's report (JSON) on ``url``, run in Debian's chromium with the browser tests'
    flags: nothing leaves 127.0.0.1. Mobile unless ``--preset=desktop`` is among the options."""
    flags = " ".join(f'--{a[2:].split("=", 1)[0]}="{a.split("=", 1)[1]}"' if " " in a else a
                     for a in [*ARGS, "--headless=new"])
    run = subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout",
         f"--chrome-flags={flags}", *options],
        capture_output=True, text=True, timeout=600, env={**os.environ, "CHROME_PATH": CHROMIUM})
    if run.returncode != 0:
        raise AssertionError(f"lighthouse failed on {url}:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


def failed_audits(report: dict, category: str) -> list[str]:
    """The audits of a category that did not pass, with what Lighthouse says about each."""
    audits = report["audits"]
    return [f"{ref['id']}: {audits[ref['id']].get('displayValue') or audits[ref['id']]['title']}"
            for ref in report["categories"][category]["auditRefs"]
            if audits[ref["id"]]["score"] is not None and audits[ref["id"]]["score"] < 1
            and ref["weight"] > 0]
