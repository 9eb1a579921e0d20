"""The log's signing key: a C2SP signed-note private key in a 0600 file in the data directory.

The private key is never printed, served or logged; `laydown keys` prints the verifier key.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from django.conf import settings

from laydown import tlog
from laydown.core.errors import ConfigurationError
from laydown.core.private import exposed_key_problem


def key_path() -> Path:
    return Path(settings.LAYDOWN_LOG_KEY_FILE)


def key_create_if_absent() -> bool:
    """Create the log key for LAYDOWN_LOG_ORIGIN unless one exists; True if created."""
    path = key_path()
    if path.exists():
        return False
    skey, _vkey = tlog.generate_key(settings.LAYDOWN_LOG_ORIGIN)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(skey + "\n")
    log_signer.cache_clear()
    return True


@functools.lru_cache(maxsize=1)
def log_signer() -> tlog.Signer:
    path = key_path()
    try:
        skey = path.read_text().strip()
    except FileNotFoundError:
        raise ConfigurationError(
            f"The log has no signing key at {path}. Create it with `laydown keys init`."
        ) from None
    signer = tlog.new_signer(skey)
    if signer.name != settings.LAYDOWN_LOG_ORIGIN:
        raise ConfigurationError(
            f"The log key in {path} is for origin {signer.name!r}, but LAYDOWN_LOG_ORIGIN is "
            f"{settings.LAYDOWN_LOG_ORIGIN!r}. A log keeps its origin for life: set "
            "LAYDOWN_LOG_ORIGIN back, or use a new data directory for a new log."
        )
    problem = exposed_key_problem(path)
    if problem:
        raise ConfigurationError(problem)
    return signer


def log_verifier_key() -> str:
    return log_signer().verifier_key()
