"""The build's notion of now: ``SOURCE_DATE_EPOCH``, when set, for reproducible builds."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from builder.errors import BuildError


def epoch_now() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as a date; None when it is not set. One that is not a whole
    number is a mistake: the build would not be the reproducible one asked for."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except ValueError:
        raise BuildError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number") from None


def build_now() -> datetime:
    """Now, for which posts are published yet and what Liquid's ``site.time`` says:
    ``SOURCE_DATE_EPOCH`` when it is set."""
    return epoch_now() or datetime.now(UTC)
