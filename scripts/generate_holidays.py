"""Generate the dbt seed of Dutch public holidays from the ``holidays`` package.

The SLA business calendar (DESIGN §5) is closed on Dutch public holidays as the
``holidays`` package defines them (category ``public``). The seed is generated,
not typed by hand, so that a reviewer can reproduce it byte for byte: the same
package version (pinned in ``pyproject.toml``) and the same year range give the
same file. Re-run it after bumping ``holidays`` or widening the year range, and
commit the diff so the change in the calendar is visible in review.

Usage::

    .venv/bin/python scripts/generate_holidays.py            # writes the seed
    .venv/bin/python scripts/generate_holidays.py --check    # exit 1 when the seed is stale
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import holidays

FIRST_YEAR = 2018
LAST_YEAR = 2031  # inclusive; keep in step with the calendar vars in dbt_project.yml
SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "dutch_public_holidays.csv"


def render(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> str:
    """The seed's CSV text: one row per date, Dutch names, sorted by date.

    Should two holidays ever fall on one date, they come out as one row with
    the names joined by ``; ``: the calendar needs exactly one row per date.
    """
    calendar = holidays.country_holidays(
        "NL", years=range(first_year, last_year + 1), categories=("public",), language="nl"
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["holiday_date", "holiday_name"])
    for day in sorted(calendar):
        writer.writerow([day.isoformat(), "; ".join(calendar.get_list(day))])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the seed differs")
    parser.add_argument("--out", type=Path, default=SEED, help=f"seed path (default {SEED})")
    args = parser.parse_args(argv)

    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run scripts/generate_holidays.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date (holidays {holidays.__version__})")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10)) - 1} holidays {FIRST_YEAR}-{LAST_YEAR} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
