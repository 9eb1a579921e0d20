"""The `laydown-verify` command.

    laydown-verify LOG_URL_OR_DIR --key VKEY [--witness-key WKEY]... [--quorum N]
                   [--since FILE] [--records FILE] [--receipt QR_TEXT]
    laydown-verify --receipt QR_TEXT --key VKEY [--witness-key WKEY]...
    laydown-verify monitor LOG_URL --key VKEY [--witness-key WKEY]... --interval S
                   [--state FILE] [--stall-after S] [--alert-url URL] [--once]

Exit 0 when everything holds; 1 with `FAIL: <reason>` on standard error otherwise; 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from laydown_verify import tlog
from laydown_verify.tlog import audit

AuditError = audit.AuditError


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", help="the log's verifier key (pin it)")
    parser.add_argument(
        "--policy",
        type=Path,
        help="a C2SP tlog-policy file you pinned (the log's /log/policy, saved once): "
        "gives the log key, the witness keys and the quorum",
    )
    parser.add_argument(
        "--witness-key", action="append", default=[], help="a witness's verifier key (repeat)"
    )
    parser.add_argument("--quorum", type=int, help="witness cosignatures needed (default: all)")


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="laydown-verify",
        description="Check a Laydown log (every tile, up to the signed root), its witnesses' "
        "cosignatures, consistency with a checkpoint saved earlier, or one hand-in receipt. "
        "`laydown-verify monitor --help` for the monitor.",
    )
    parser.add_argument(
        "source", nargs="?", help="log URL (https://host/log) or exported directory"
    )
    _common(parser)
    parser.add_argument("--since", type=Path, help="a checkpoint file saved earlier")
    parser.add_argument("--records", type=Path, help="a record bundle (laydown log export)")
    parser.add_argument("--receipt", help="the text of a hand-in receipt's QR code")
    parser.add_argument("--save", type=Path, help="write the verified checkpoint to this file")
    return parser


def _monitor_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="laydown-verify monitor",
        description="Follow a log: check each new checkpoint's signatures and witness quorum "
        "and that it extends the last one seen; stop with exit 1 and say what happened on a "
        "bad signature, a shrink, a fork or a stalled log.",
    )
    parser.add_argument("source", help="log URL (https://host/log) or exported directory")
    _common(parser)
    parser.add_argument("--interval", type=float, default=300, help="seconds between checks")
    parser.add_argument(
        "--state", type=Path, default=Path("laydown-monitor.json"), help="the state file"
    )
    parser.add_argument(
        "--stall-after", type=float, help="alert when the log has not grown for this many seconds"
    )
    parser.add_argument("--alert-url", help="POST the alert (JSON) to this URL before exiting")
    parser.add_argument("--once", action="store_true", help="check once and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    monitor = args[:1] == ["monitor"]
    parser = _monitor_parser() if monitor else _check_parser()
    parsed = parser.parse_args(args[1:] if monitor else args)
    try:
        _keys_from_policy(parsed)
    except (AuditError, OSError) as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 1
    if parsed.key is None:
        parser.error("give the log's key (--key) or a pinned policy (--policy)")
    return _monitor(parsed) if monitor else _check(parsed)


def _keys_from_policy(args: argparse.Namespace) -> None:
    """--policy FILE: the log key, the witness keys and the quorum come from the policy (a flat
    quorum: `none`, one witness, or a group of witnesses with a threshold)."""
    if args.policy is None:
        return
    try:
        policy = tlog.parse_policy(args.policy.read_text(encoding="utf-8"))
    except tlog.PolicyError as exc:
        raise AuditError(f"{args.policy}: {exc}") from exc
    if len(policy.logs) != 1:
        raise AuditError(f"{args.policy}: names {len(policy.logs)} logs, one expected")
    groups = {g.name: g for g in policy.groups}
    witnesses = {w.name: w.vkey for w in policy.witnesses}
    if policy.quorum == tlog.QUORUM_NONE:
        keys, quorum = [], 0
    elif policy.quorum in witnesses:
        keys, quorum = [witnesses[policy.quorum]], 1
    elif all(m in witnesses for m in groups[policy.quorum].members):
        group = groups[policy.quorum]
        keys, quorum = [witnesses[m] for m in group.members], group.threshold
    else:
        raise AuditError(f"{args.policy}: nested witness groups are not supported")
    args.key = args.key or policy.logs[0][0]
    args.witness_key = args.witness_key or keys
    args.quorum = quorum if args.quorum is None else args.quorum


def _check(args: argparse.Namespace) -> int:
    try:
        if args.receipt is not None:
            message = _check_receipt(args)
        elif args.source is None:
            print("laydown-verify: give a log URL or directory, or --receipt", file=sys.stderr)
            return 2
        else:
            message = _check_log(args)
    except (AuditError, OSError) as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


def _check_log(args: argparse.Namespace) -> str:
    since = args.since.read_bytes() if args.since else None
    source = audit.LogSource(args.source)
    checkpoint = audit.verify_log(
        source,
        args.key,
        witness_keys=args.witness_key,
        quorum=args.quorum,
        since=since,
        bundle=args.records,
    )
    if args.save:
        args.save.write_bytes(source.read("checkpoint"))
    extra = f"; consistent with {args.since}" if args.since else ""
    extra += f"; every record of {args.records} is in it" if args.records else ""
    return (
        f"OK: {checkpoint.origin} size {checkpoint.size} root {checkpoint.root_hash.hex()}: "
        f"every tile recomputed up to the signed root{extra}"
    )


def _check_receipt(args: argparse.Namespace) -> str:
    receipt = audit.parse_receipt(args.receipt)
    source = audit.LogSource(args.source or receipt.log_url)
    checkpoint = audit.verify_receipt(
        source, args.key, receipt, witness_keys=args.witness_key, quorum=args.quorum
    )
    lines = [
        f"OK: record {receipt.index} is in the log {checkpoint.origin} "
        f"(checkpoint of {checkpoint.size} records, signed by the log"
        + (
            f", cosigned by {len(args.witness_key)} witness key(s) given"
            if args.witness_key
            else ""
        )
        + ").",
        "Proven: this receipt's record is in the log and cannot be removed or changed without "
        "the log's signature and the witnesses' cosignatures showing it.",
    ]
    if receipt.size is not None:
        lines.append(
            f"Proven: the log of {receipt.size} records the receipt was printed with is the "
            "beginning of today's log (nothing was rewritten since)."
        )
    lines.append(
        "Not proven: what the record says (it stays private; the receipt carries only its hash)."
    )
    return "\n".join(lines)


def _monitor(args: argparse.Namespace) -> int:
    source = audit.LogSource(args.source)
    while True:
        try:
            state = (
                audit.MonitorState.from_json(args.state.read_text(encoding="utf-8"))
                if args.state.exists()
                else None
            )
            state = audit.monitor_step(
                source,
                args.key,
                state,
                now=time.time(),
                witness_keys=args.witness_key,
                quorum=args.quorum,
                stall_after=args.stall_after,
            )
        except (AuditError, OSError) as exc:
            print(f"FAIL: {exc}", file=sys.stderr)
            if args.alert_url:
                _alert(args.alert_url, args.source, str(exc))
            return 1
        temporary = args.state.with_suffix(".tmp")
        temporary.write_text(state.to_json(), encoding="utf-8")
        temporary.replace(args.state)
        checkpoint = state.checkpoint
        print(f"OK: {checkpoint.origin} size {checkpoint.size}", flush=True)
        if args.once:
            return 0
        time.sleep(args.interval)


def _alert(url: str, log: str, problem: str) -> None:
    body = json.dumps({"log": log, "problem": problem}).encode()
    request = urllib.request.Request(  # noqa: S310 (an address the operator gave)
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310
            pass
    except OSError as exc:
        print(f"FAIL: the alert could not be sent to {url}: {exc}", file=sys.stderr)
