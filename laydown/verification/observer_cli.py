"""`laydown observer`: an observer's own key and signatures, on the observer's own machine.

`keygen NAME --out FILE` writes a signed-note private key (mode 0600) and prints the verifier
key to register with the accreditation; `sign FILE --key KEYFILE` signs a report or a
destruction statement (plain text) and prints the signed note to paste or upload. No Django,
no database, no network.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from laydown import tlog
from laydown.core.private import PrivateFileError, private_key_check


def keygen(name: str, out: Path) -> int:
    skey, vkey = tlog.generate_key(name)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(skey + "\n")
    print(vkey)
    return 0


def sign(document: Path, key: Path) -> int:
    private_key_check(key)
    signer = tlog.new_signer(key.read_text().strip())
    text = document.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    sys.stdout.write(tlog.sign_note(text, [signer]))
    return 0


def main(argv: Sequence[str], prog: str = "laydown observer") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("keygen", help="create a signing key; print its verifier key")
    gen.add_argument("name", help="the key's name, e.g. observers.nordland/j.smith")
    gen.add_argument("--out", type=Path, required=True, help="where to write the private key")
    sig = sub.add_parser("sign", help="sign a report or statement (prints the signed note)")
    sig.add_argument("document", type=Path)
    sig.add_argument("--key", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "keygen":
            return keygen(args.name, args.out)
        return sign(args.document, args.key)
    except (OSError, tlog.TlogError, PrivateFileError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
