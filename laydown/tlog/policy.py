"""Transparency log trust policies (c2sp.org/tlog-policy): which log, which witnesses, and
which of them must cosign a checkpoint for it to count::

    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> <all|any|k> <member>...
    quorum <name|none>

Lines are separated by newlines, items by spaces or tabs; ``#`` starts a comment line. Group
members are witnesses or groups defined on earlier lines, each a member at most once; exactly
one ``quorum`` line names the witness or group that must have cosigned (``none``: no
cosignature needed). The log publishes its own policy (``/log/policy``) and the standalone
verifier reads it, so both use this one module.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from .checkpoint import Checkpoint, parse_checkpoint
from .errors import CheckpointError, KeyFormatError, NoteError, TlogError
from .note import ALG_COSIGNATURE_V1, Verifier, new_verifier, open_note

__all__ = [
    "PolicyError",
    "PolicyGroup",
    "PolicyWitness",
    "QUORUM_NONE",
    "TlogPolicy",
    "format_policy",
    "parse_policy",
    "policy_for",
]

QUORUM_NONE = "none"


class PolicyError(TlogError):
    """A policy text does not follow c2sp.org/tlog-policy, or a checkpoint fails a policy."""


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    vkey: str
    url: str = ""


@dataclass(frozen=True)
class PolicyGroup:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class TlogPolicy:
    """A parsed policy: ``logs`` as (vkey, url) pairs, witnesses, groups and the quorum name."""

    logs: tuple[tuple[str, str], ...]
    witnesses: tuple[PolicyWitness, ...] = ()
    groups: tuple[PolicyGroup, ...] = ()
    quorum: str = QUORUM_NONE

    def log_verifiers(self) -> list[Verifier]:
        return [new_verifier(vkey) for vkey, _ in self.logs]

    def witness_verifiers(self) -> list[Verifier]:
        return [new_verifier(w.vkey) for w in self.witnesses]

    def satisfied_by(self, cosigners: set[str]) -> bool:
        """True if the witnesses named in ``cosigners`` (policy names) meet the quorum."""
        if self.quorum == QUORUM_NONE:
            return True
        groups = {g.name: g for g in self.groups}

        def met(name: str) -> bool:
            group = groups.get(name)
            if group is None:
                return name in cosigners
            return sum(1 for m in group.members if met(m)) >= group.threshold

        return met(self.quorum)

    def verify_checkpoint(self, note: bytes | str) -> tuple[Checkpoint, list[str]]:
        """Open a checkpoint note: signed by a log of the policy (origin = its key name) and
        cosigned per the quorum. Returns the checkpoint and the names of the witnesses whose
        cosignatures verified. Raises :class:`PolicyError` naming what is missing."""
        logs = self.log_verifiers()
        verifiers = self.witness_verifiers()
        names = {(v.name, v.key_id): w.name for w, v in zip(self.witnesses, verifiers, strict=True)}
        try:
            opened = open_note(note, [*logs, *verifiers])
        except NoteError as exc:
            raise PolicyError(f"the checkpoint's signatures do not verify: {exc}") from exc
        signers = {(s.name, s.key_id) for s in opened.sigs}
        log = next((v for v in logs if (v.name, v.key_id) in signers), None)
        if log is None:
            raise PolicyError("the checkpoint is not signed by the log's key")
        try:
            checkpoint = parse_checkpoint(opened.text)
        except CheckpointError as exc:
            raise PolicyError(f"the checkpoint is malformed: {exc}") from exc
        if checkpoint.origin != log.name:
            raise PolicyError(f"the checkpoint's origin {checkpoint.origin!r} is not {log.name!r}")
        cosigned = [name for key, name in names.items() if key in signers]
        if not self.satisfied_by(set(cosigned)):
            missing = [w.name for w in self.witnesses if w.name not in cosigned]
            raise PolicyError(
                f"the checkpoint does not meet the witness quorum {self.quorum!r}: cosigned by "
                f"{', '.join(cosigned) or 'no witness'}; not by {', '.join(missing)}"
            )
        return checkpoint, cosigned


def _split(line: str) -> list[str]:
    return line.replace("\t", " ").split()


def _key_bytes(vkey: str, line: str) -> bytes:
    parts = vkey.split("+", 2)
    try:
        raw = base64.b64decode(parts[2], validate=True) if len(parts) == 3 else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) < 2:
        raise PolicyError(f"invalid verifier key in {line!r}")
    return raw


def parse_policy(text: str) -> TlogPolicy:
    """Parse and check a policy text; raises :class:`PolicyError` naming the bad line."""
    for offset, char in enumerate(text):
        if char not in "\t\n" and (ord(char) < 0x20 or ord(char) == 0x7F):
            raise PolicyError(f"invalid character 0x{ord(char):02x} at offset {offset}")
    logs: list[tuple[str, str]] = []
    witnesses: list[PolicyWitness] = []
    groups: list[PolicyGroup] = []
    defined: set[str] = set()
    listed: set[str] = set()
    keys: set[bytes] = set()
    quorum: str | None = None
    for line in text.split("\n"):
        items = _split(line)
        if not items or items[0].startswith("#"):
            continue
        word, args = items[0], items[1:]
        if word == "log" and 1 <= len(args) <= 2:
            _checked_key(args[0], line, keys, witness=False)
            logs.append((args[0], args[1] if len(args) == 2 else ""))
        elif word == "witness" and 2 <= len(args) <= 3:
            _new_name(args[0], defined)
            _checked_key(args[1], line, keys, witness=True)
            witnesses.append(PolicyWitness(args[0], args[1], args[2] if len(args) == 3 else ""))
        elif word == "group" and len(args) >= 3:
            groups.append(_group(args, line, defined, listed))
        elif word == "quorum" and len(args) == 1:
            if quorum is not None:
                raise PolicyError("a policy has exactly one quorum line; this one has two")
            if args[0] != QUORUM_NONE and args[0] not in defined:
                raise PolicyError(f"quorum {args[0]!r} names no witness or group defined above")
            quorum = args[0]
        else:
            raise PolicyError(f"not a policy line: {line!r}")
    if quorum is None:
        raise PolicyError("a policy has exactly one quorum line; this one has none")
    return TlogPolicy(tuple(logs), tuple(witnesses), tuple(groups), quorum)


def _new_name(name: str, defined: set[str]) -> None:
    if name == QUORUM_NONE:
        raise PolicyError(f"{name!r} is reserved and cannot name a witness or group")
    if name in defined:
        raise PolicyError(f"the name {name!r} is defined twice")
    defined.add(name)


def _checked_key(vkey: str, line: str, keys: set[bytes], *, witness: bool) -> None:
    raw = _key_bytes(vkey, line)
    try:
        new_verifier(vkey)
    except KeyFormatError as exc:
        raise PolicyError(f"invalid verifier key in {line!r}: {exc}") from exc
    if witness and raw[0] != ALG_COSIGNATURE_V1:
        raise PolicyError(f"a witness key must be a cosignature/v1 key (type 4): {line!r}")
    if raw in keys:
        raise PolicyError(f"the key {vkey!r} is listed twice")
    keys.add(raw)


def _group(args: list[str], line: str, defined: set[str], listed: set[str]) -> PolicyGroup:
    name, threshold, members = args[0], args[1], args[2:]
    if threshold == "any":
        k = 1
    elif threshold == "all":
        k = len(members)
    elif threshold.isdigit() and threshold.isascii():
        k = int(threshold)
    else:
        raise PolicyError(f"the threshold {threshold!r} is not all, any or a number: {line!r}")
    if not 1 <= k <= len(members):
        raise PolicyError(f"the threshold {k} of group {name!r} is not in 1..{len(members)}")
    for member in members:
        if member not in defined:
            raise PolicyError(f"group {name!r}: {member!r} is not defined on an earlier line")
        if member in listed:
            raise PolicyError(f"{member!r} is listed as a group member more than once")
        listed.add(member)
    _new_name(name, defined)
    return PolicyGroup(name, k, tuple(members))


def format_policy(policy: TlogPolicy) -> str:
    """The canonical text of a policy (parse_policy gives it back)."""
    lines = [f"log {vkey} {url}".rstrip() for vkey, url in policy.logs]
    lines += [f"witness {w.name} {w.vkey} {w.url}".rstrip() for w in policy.witnesses]
    lines += [f"group {g.name} {g.threshold} {' '.join(g.members)}" for g in policy.groups]
    lines.append(f"quorum {policy.quorum}")
    return "".join(f"{line}\n" for line in lines)


def policy_for(
    log_vkey: str,
    log_url: str,
    witnesses: Sequence[tuple[str, str, str]],
    quorum: int,
) -> TlogPolicy:
    """The policy of a log with these witnesses (name, vkey, url) of which ``quorum`` must
    cosign: no witness or a quorum of 0 gives ``quorum none``; otherwise a group
    ``witnesses`` with that threshold (all of them if the quorum is larger)."""
    members = tuple(PolicyWitness(name, vkey, url) for name, vkey, url in witnesses)
    if not members or quorum <= 0:
        return TlogPolicy(((log_vkey, log_url),), members, (), QUORUM_NONE)
    names = tuple(w.name for w in members)
    group = PolicyGroup("witnesses", min(quorum, len(names)), names)
    return TlogPolicy(((log_vkey, log_url),), members, (group,), group.name)
