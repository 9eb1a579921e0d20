from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from laydown.accounts import demo


class Command(BaseCommand):
    help = (
        "`demo_totp USERNAME`: print the current second-factor code of a demo user (admin, "
        "custodian, observer), whose TOTP secret `laydown demo` printed. Refuses any other "
        "user: their secrets are theirs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        device = demo.demo_totp_device(options["username"])
        if device is None:
            raise CommandError(
                f"{options['username']!r} is not a demo user with the demo second factor "
                "(run `laydown demo` first; users who enrolled their own app are not covered)."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        seconds_left = device.step - (int(totp.time) - device.t0) % device.step
        code = f"{totp.token():0{device.digits}d}"
        self.stdout.write(f"{code}  (valid for {seconds_left} more seconds)")
