"""`laydown verify`: check a Laydown log from the outside, with no database and no trust.

Reads the checkpoint and every hash tile from a URL or an exported directory, recomputes the
tree, checks the log's signature (and witnesses' cosignatures), consistency with a checkpoint
saved earlier, and that every record of a bundle hashes to its leaf. Exit 0 when all holds, 1
otherwise, naming the first bad index or file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from laydown import tlog

VerifyError = tlog.audit.AuditError
"""What failed, naming the file, tile or record index (the engine is laydown.tlog.audit, shared
with the standalone verifier in verifier/)."""
Source = tlog.audit.LogSource
verify_log = tlog.audit.verify_log


def verify_item_bundle(
    path: Path,
    log_key: str,
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
) -> tlog.Checkpoint:
    """Check an item bundle offline: its checkpoint's signatures, then each record's proof."""
    import json

    log_verifier = tlog.audit.verifier_of(log_key, "log key")
    witnesses = [tlog.audit.verifier_of(k, "witness key") for k in witness_keys]
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        note, entries = bundle["checkpoint"], bundle["records"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VerifyError(f"{path}: not an item bundle ({exc})") from exc
    checkpoint = tlog.audit.open_checkpoint_checked(note.encode(), log_verifier, witnesses, quorum)
    for n, entry in enumerate(entries):
        try:
            leaf = tlog.leaf_hash(entry["record"].encode())
            proven = tlog.verify_tlog_proof(entry["proof"], leaf, [log_verifier])
            index = tlog.parse_tlog_proof(entry["proof"]).index
        except (tlog.TlogError, KeyError, TypeError, AttributeError) as exc:
            raise VerifyError(f"{path}: record {n + 1} is not proven in the log: {exc}") from exc
        if (proven.size, proven.root_hash) != (checkpoint.size, checkpoint.root_hash):
            raise VerifyError(f"{path}: record {n + 1} is proven against another checkpoint")
        if index != entry.get("index"):
            raise VerifyError(f"{path}: record {n + 1} claims index {entry.get('index')}")
    return checkpoint


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source", help="log URL (https://host/log), exported directory, or an item bundle (.json)"
    )
    parser.add_argument("--key", required=True, help="the log's verifier key (laydown keys)")
    parser.add_argument("--witness-key", action="append", default=[], help="a witness key")
    parser.add_argument("--quorum", type=int, help="witness cosignatures needed (default: all)")
    parser.add_argument("--since", type=Path, help="a checkpoint file saved earlier")
    parser.add_argument("--records", type=Path, help="a record bundle (laydown log export)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str], prog: str = "laydown verify") -> int:
    args = _parser(prog).parse_args(argv)
    console = Console(stderr=True)
    with Progress(console=console, disable=args.quiet, transient=True) as bar:
        tasks: dict[str, object] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)  # type: ignore[arg-type]

        try:
            since = args.since.read_bytes() if args.since else None
            if args.source.endswith(".json") and Path(args.source).is_file():
                checkpoint = verify_item_bundle(
                    Path(args.source),
                    args.key,
                    witness_keys=args.witness_key,
                    quorum=args.quorum,
                )
            else:
                checkpoint = _verify_source(args, since, progress)
        except (VerifyError, OSError) as exc:
            bar.stop()
            print(f"FAIL: {exc}", file=sys.stderr)
            return 1
    extra = f" and {args.records}" if args.records else ""
    print(
        f"OK: {checkpoint.origin} size {checkpoint.size} root {checkpoint.root_hash.hex()}{extra}"
    )
    return 0


def _verify_source(
    args: argparse.Namespace, since: bytes | None, progress: Callable[[str, int, int], None]
) -> tlog.Checkpoint:
    with Source(args.source) as source:
        return verify_log(
            source,
            args.key,
            witness_keys=args.witness_key,
            quorum=args.quorum,
            since=since,
            bundle=args.records,
            progress=progress,
        )
