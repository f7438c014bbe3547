"""The build's notion of now: ``SOURCE_DATE_EPOCH``, when set, for reproducible builds."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def epoch_now() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as a date, when it is set to a whole number."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else None


def now_for_liquid() -> datetime:
    """Which posts are published yet: ``SOURCE_DATE_EPOCH``, when set, is now."""
    return epoch_now() or datetime.now(UTC)
