"""A front matter date as authors write it: ISO 8601 (which YAML reads itself), Jekyll's
``2021-03-22 10:30:00 +0100``, and the forms Quarto reads.

Quarto (``parsePandocDate`` in quarto-cli's ``src/core/date.ts``) tries ``MM/dd/yyyy``,
``MM-dd-yyyy``, ``MM/dd/yy``, ``MM-dd-yy``, ``yyyy-MM-dd``, ``dd MM yyyy`` and ``MM dd,
yyyy``, then lets moment-guess read month names (``March 22, 2021``, ``22 March 2021``),
then JavaScript's ``Date``. The same forms are read here by rules, not guessed: numbers
separated by ``/`` or ``-`` are month first, as in the United States and in Quarto's list,
unless the first cannot be a month (``22/3/2021``); a two-digit year is 1969-2068 (POSIX's
``%y``). Anything else is an error naming its line and the forms that work, never a date
made up: a post's date places it in listings and the feed, and usually in its address.

Quarto's ``today``, ``now`` and ``last-modified`` change from one build to the next (or
with the file's modification time, which a checkout resets), so they are refused for a
post's ``date`` (a post would move every day) and ignored, with a warning, for its
``updated`` date: a site is built from its sources alone, the same bytes every time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

FORMS = "2021-03-22 (or 2021-03-22 10:30), March 22, 2021, 22 March 2021 or 3/22/2021"
MOVING = frozenset({"today", "now", "last-modified"})  # Quarto's dates of the build

_ISO_SPACED = re.compile(  # Jekyll's: a space before the time, an offset without a colon
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_NUMERIC = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})$")  # 3/22/2021, 03-22-21
_YEAR_FIRST = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")  # 2021/03/22
_SPACED = re.compile(r"^(\d{1,2}) (\d{1,2})(,?) (\d{4})$")  # Quarto's dd MM yyyy, MM dd, yyyy
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_NAME = r"([a-z]{3,9})\.?"
_MONTH_FIRST = re.compile(rf"^{_WEEKDAY}{_MONTH_NAME}\s+{_DAY},?\s+(\d{{4}})$", re.I)
_DAY_FIRST = re.compile(rf"^{_WEEKDAY}{_DAY}\s+{_MONTH_NAME},?\s+(\d{{4}})$", re.I)
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
    ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
    ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), 1) for name in names}


def read_date(value: object, tz: ZoneInfo) -> datetime | None:
    """The moment ``value`` names, in ``tz`` unless it says its own offset; ``None`` when
    it is no date in a form this module reads."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    day = _calendar_day(text)
    if day is not None:
        return datetime.combine(day, time(), tz)
    match = _ISO_SPACED.match(text)
    if match:
        offset = match.group(3) or ""
        if offset and offset != "Z" and ":" not in offset:
            offset = offset[:3] + ":" + offset[3:]
        text = f"{match.group(1)}T{match.group(2)}{offset}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _calendar_day(text: str) -> date | None:
    """A day written without a time in one of the non-ISO forms (or None)."""
    found: tuple[int, int, int] | None = None  # year, month, day
    if match := _NUMERIC.match(text):
        first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
        month, day = (second, first) if first > 12 >= second else (first, second)
        found = _full_year(year), month, day
    elif match := _YEAR_FIRST.match(text):
        found = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _SPACED.match(text):
        a, b = int(match.group(1)), int(match.group(2))
        found = (int(match.group(4)), a, b) if match.group(3) else (int(match.group(4)), b, a)
    elif match := _MONTH_FIRST.match(text):
        month = _MONTHS.get(match.group(1).lower())
        found = (int(match.group(3)), month, int(match.group(2))) if month else None
    elif match := _DAY_FIRST.match(text):
        month = _MONTHS.get(match.group(2).lower())
        found = (int(match.group(3)), month, int(match.group(1))) if month else None
    if found is None:
        return None
    try:
        return date(*found)
    except ValueError:  # February 30th, month 13
        return None


def _full_year(year: str) -> int:
    if len(year) == 4:
        return int(year)
    short = int(year)
    return 2000 + short if short < 69 else 1900 + short
