"""Versions of installed packages, read from the names of their ``*.dist-info`` folders.

Cache keys only need to know whether a library changed; ``importlib.metadata`` tells that
too, but its import alone costs ~10 ms of a build that has nothing to do, and its lookups
read files. One listing of each folder of ``sys.path`` answers every question.
"""

from __future__ import annotations

import functools
import os
import sys


@functools.cache
def _installed() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in reversed(sys.path):  # the first folder on the path wins, as for imports
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".dist-info"):
                name, _, version = entry[: -len(".dist-info")].partition("-")
                found[_normal(name)] = version
    return found


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def installed_libraries() -> dict[str, str]:
    """Every installed distribution and its version: what a site may be made with."""
    return dict(_installed())


def installed_version(name: str) -> str:
    """The installed version of the distribution ``name`` ("missing" if it is not)."""
    return _installed().get(_normal(name), "missing")
