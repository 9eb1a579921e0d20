"""The demo programme: each app's demo step, in dependency order."""

from __future__ import annotations

from collections.abc import Iterator

from laydown.accounts import demo as accounts_demo
from laydown.arms import demo as arms_demo
from laydown.assistance import demo as assistance_demo
from laydown.ledger import demo as ledger_demo
from laydown.people import demo as people_demo
from laydown.reports import boundaries
from laydown.tracing import demo as tracing_demo
from laydown.verification import demo as verification_demo


def demo_load() -> Iterator[str]:
    yield ledger_demo.demo_load()
    yield from accounts_demo.demo_load()
    yield from arms_demo.demo_load()
    yield from tracing_demo.demo_load()
    found = boundaries.boundaries_import(boundaries.DEMO_FILE)
    yield f"Map: {len(found)} administrative areas of the demo country (OCHA COD-AB style)."
    yield from assistance_demo.demo_load()
    yield from people_demo.demo_load()
    # Last: its witnesses cosign the log once everything above is in it.
    yield from verification_demo.demo_load()
