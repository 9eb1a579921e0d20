"""What replay leaves out of the OpenRosa server's tables (docs/replay.md)."""

from laydown.ledger import kinds

kinds.register_not_replayed(
    {
        "openrosa.DigestNonce": "Short-lived state of HTTP Digest (the last nonce count of each "
        "nonce, at most an hour old), no record of anything: after a replay devices are simply "
        "challenged again.",
    }
)
