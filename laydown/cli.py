"""The `laydown` command: Laydown's own commands, then every Django management command.

`laydown verify` runs without Django and without a database: an outsider can run it against a
mirror of the log with nothing but this package and the log's verifier key.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

COMMANDS = {
    "serve": "serve the web application with granian (default 127.0.0.1:8000); --dev: Django's",
    "worker": "run the background jobs (imports, exports) and the schedule (backups, pushes)",
    "migrate": "create or update the database tables",
    "keys": "print the log's verifier key; `keys init` creates the signing key if absent",
    "log": "`log export DIR`: write the checkpoint, tiles and a record bundle as static files",
    "ledger": "`ledger replay`: check the log, rebuild projections; `ledger coverage`: of what",
    "verify": "verify a log (URL or exported directory) against its verifier key; no database",
    "init": "start a real programme: tables, keys, the operator and its first administrator",
    "token": "`token create USER --actions A,B --expires 30d`: an API token, printed once",
    "demo": "load the demo data (idempotent)",
    "backup": "`backup DIR`: database, files and keys, age-encrypted; `restore DIR` checks it",
    "witness": "`witness init|key|trust|serve DIR`: run a C2SP tlog-witness; no database",
    "observer": "`observer keygen NAME --out FILE`, `observer sign DOC --key FILE`; no database",
    "inspection": "`inspection sample --root --nonce --percent|--count INVENTORY`: recompute",
}


def usage(prog: str) -> str:
    lines = [f"usage: {prog} COMMAND [ARGS]", "", "Laydown commands:"]
    lines += [f"  {name:<9} {text}" for name, text in COMMANDS.items()]
    lines += ["", f"Every Django management command works too; `{prog} help` lists them all."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, prog: str = "laydown") -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage(prog))
        return 0
    if args[0] == "verify":
        from laydown.verify import main as verify_main

        return verify_main(args[1:], prog=f"{prog} verify")
    if args[0] == "witness":
        from laydown.verification.witness_server import main as witness_main

        return witness_main(args[1:], prog=f"{prog} witness")
    if args[0] == "observer":
        from laydown.verification.observer_cli import main as observer_main

        return observer_main(args[1:], prog=f"{prog} observer")
    if args[0] == "inspection":
        from laydown.verification.sampling import main as sampling_main

        return sampling_main(args[1:], prog=f"{prog} inspection")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laydown.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        if args[0] == "serve":
            from laydown.server import main as serve_main

            return serve_main(args[1:], prog=f"{prog} serve")
        execute_from_command_line([prog, *args])
    except ImproperlyConfigured as exc:
        print(f"{prog}: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
