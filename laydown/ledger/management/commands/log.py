from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.core.errors import ValidationError
from laydown.ledger import export, publish, selectors, witnessing


class Command(BaseCommand):
    help = (
        "`log export DIR [--bundle FILE]`: write the served checkpoint and every hash tile in "
        "the C2SP tlog-tiles layout under DIR, and the record bundle (records with salts, for "
        "auditors only) to FILE, by default DIR.records.jsonl beside DIR. "
        "`log witness-add VKEY URL`: push checkpoints to this witness. "
        "`log push [--every SECONDS]`: push the newest checkpoint to the witnesses now (or "
        "forever). `log witnesses`: each witness's status. `log publish DEST`: keep DEST (a "
        "directory or s3://bucket/prefix) a static copy of the public log (checkpoint, tiles, "
        "policy) for a web server or CDN."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="write checkpoint, tiles and record bundle")
        exp.add_argument("directory", type=Path)
        exp.add_argument("--bundle", type=Path, default=None)
        exp.add_argument("--no-bundle", action="store_true", help="write no record bundle")
        pub = sub.add_parser("publish", help="update a static copy of the public log")
        pub.add_argument("destination", help="a directory, or s3://bucket/prefix")
        add = sub.add_parser("witness-add", help="add a witness (cosignature key and URL)")
        add.add_argument("vkey")
        add.add_argument("url", help="the witness's submission prefix, e.g. http://host:7380")
        push = sub.add_parser("push", help="push the newest checkpoint to the witnesses")
        push.add_argument("--every", type=float, default=0, help="repeat every N seconds")
        sub.add_parser("witnesses", help="list witnesses and their status")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "export":
            self._export(options)
        elif action == "publish":
            self._publish(options["destination"])
        elif action == "witness-add":
            try:
                witness = witnessing.witness_add(
                    actor="system", vkey=options["vkey"], url=options["url"]
                )
            except ValidationError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"Pushing checkpoints to witness {witness.name} at {witness.url}.")
        elif action == "push":
            while True:
                for result in witnessing.witness_push():
                    self.stdout.write(f"{result.witness}: {result.status} {result.detail}".rstrip())
                if not options["every"]:
                    break
                time.sleep(options["every"])
        else:
            for w in selectors.witnesses():
                state = "active" if w.active else "removed"
                self.stdout.write(
                    f"{w.name} {w.url} {state} last_size={w.last_size} {w.last_status} "
                    f"{w.last_error}".rstrip()
                )

    def _publish(self, destination: str) -> None:
        try:
            copy = publish.destination_of(destination)
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        result = publish.log_publish(copy)
        self.stdout.write(
            f"Published the checkpoint of size {result.size} to {copy}: "
            f"{result.written} tiles written, {result.kept} full tiles already there."
        )

    def _export(self, options: dict[str, Any]) -> None:
        directory: Path = options["directory"]
        bundle: Path | None = None
        if not options["no_bundle"]:
            bundle = options["bundle"] or directory.with_name(directory.name + ".records.jsonl")
        result = export.log_export(directory=directory, bundle=bundle)
        self.stdout.write(
            f"Exported checkpoint of size {result.size}, {result.tiles} tiles to {directory}"
            + (f"; {result.records} records to {bundle}" if bundle else "")
        )
