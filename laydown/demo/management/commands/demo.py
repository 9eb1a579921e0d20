from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laydown.demo import load as demo


class Command(BaseCommand):
    help = (
        "Load the demo programme (fictional organisations, one user per role, records) into an "
        "empty database and print the demo users with their passwords; idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in demo.demo_load():
            self.stdout.write(line)
