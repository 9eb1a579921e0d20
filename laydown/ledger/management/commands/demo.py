from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laydown.ledger import demo


class Command(BaseCommand):
    help = "Load the demo data into an empty programme; does nothing when it is already loaded."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(demo.demo_load())
