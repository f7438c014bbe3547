"""The npm audit tools (installed by scripts/test into tests/js/node_modules with `npm ci`)
and how the tests run them: axe-core inside a page, the Nu HTML Checker over files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

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
