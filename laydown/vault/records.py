"""Ledger records of the vault: who wrote, read or erased whose data, why; never the data."""

from laydown.ledger import kinds

WRITTEN = kinds.register(
    "vault.written",
    description="Personal data of a subject was written (category, legal basis, purpose, "
    "retention; never the data itself).",
)
READ = kinds.register(
    "vault.read", description="Personal data of a subject was read, with the stated purpose."
)
ERASED = kinds.register(
    "vault.erased",
    description="A subject's key was destroyed: its personal data can no longer be read.",
)

kinds.register_not_replayed(
    {
        f"vault.{name}": "Personal data, encrypted under a key per subject, is kept out of the "
        "log by design: replay cannot rebuild it. Back it up with the database and the vault's "
        "master key; the log records each write, read and erasure (vault.*)."
        for name in ("SubjectKey", "Entry", "BlindIndex")
    }
)
