"""Typed readers for LAYDOWN_* environment variables that fail loudly on a bad value."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from laydown.core.private import (
    PrivateFileError,
    private_dir,
    private_key_check,
    sqlite_files_private,
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """The variable's value; unset and empty both mean the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1, true, yes, on, 0, false, no, off."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_secret(name: str, *, minimum: int) -> str:
    """A token others must present: empty (the feature off), or at least `minimum` characters."""
    value = os.environ.get(name, "")
    if value and len(value) < minimum:
        raise ImproperlyConfigured(
            f"{name} must be at least {minimum} characters (e.g. `openssl rand -hex 32`)."
        )
    return value


def env_time(name: str, default: str) -> time:
    """A time of day, HH:MM (UTC)."""
    raw = os.environ.get(name) or default
    try:
        hours, minutes = (int(part) for part in raw.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a time of day HH:MM (UTC).") from None


def env_counts(name: str, default: str, count: int) -> tuple[int, ...]:
    """`count` comma-separated whole numbers, each 0 or more."""
    raw = os.environ.get(name) or default
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != count or min(values) < 0:
        raise ImproperlyConfigured(f"{name}={raw!r}: give {count} whole numbers, comma-separated.")
    return values


def env_data_dir(name: str, default: str) -> Path:
    path = Path(os.environ.get(name) or default).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ImproperlyConfigured(f"{name}={str(path)!r} exists and is not a directory.")
    try:
        private_dir(path)  # 0700: it holds the database, the keys and uploaded files
    except PrivateFileError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}: cannot create {str(path)!r}: {exc.strerror}.") from exc
    return path


def secret_files_check(*paths: Path) -> None:
    """Refuse to start if a key file others may read exists (one message names it)."""
    try:
        private_key_check(*paths)
    except PrivateFileError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def env_origin(name: str, default: str) -> str:
    """A log origin: a schema-less URL-like name, the first line of every checkpoint."""
    value = os.environ.get(name, default)
    if (
        not value
        or value != value.strip()
        or any(c.isspace() for c in value)
        or "+" in value
        or "://" in value
    ):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid log origin: use a schema-less name without "
            "spaces or '+', such as 'laydown.example.org/log'."
        )
    return value


def secret_key(name: str, data_dir: Path) -> str:
    """The secret key from the environment, or from (and first into) the data directory."""
    value = os.environ.get(name)
    if value is not None:
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name} must be at least 32 characters long.")
        return value
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    secret_files_check(path)
    return path.read_text().strip()


@dataclass(frozen=True)
class DatabaseUrl:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: tuple[tuple[str, str], ...] = ()


def parse_database_url(name: str, raw: str) -> DatabaseUrl:
    """Parse `sqlite:///path` or `postgresql://user:pass@host:port/db?opt=v`."""
    url = urlsplit(raw)
    if url.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them
        path = unquote(url.path)[1:]
        if not path or path.endswith("/"):
            raise ImproperlyConfigured(
                f"{name}={raw!r}: give a file, e.g. sqlite:////srv/db.sqlite3"
            )
        return DatabaseUrl(engine="sqlite", name=path)
    if url.scheme in ("postgres", "postgresql"):
        db = unquote(url.path.lstrip("/"))
        if not db:
            raise ImproperlyConfigured(f"{name}={raw!r}: the URL names no database.")
        try:
            port = str(url.port or "")
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r}: the port is not a number.") from None
        return DatabaseUrl(
            engine="postgresql",
            name=db,
            user=unquote(url.username or ""),
            password=unquote(url.password or ""),
            host=url.hostname or "",
            port=port,
            options=tuple(parse_qsl(url.query)),
        )
    raise ImproperlyConfigured(
        f"{name}={raw!r}: unsupported scheme {url.scheme!r}; use sqlite:/// or postgresql://."
    )


def database_settings(url: DatabaseUrl, data_dir: Path) -> dict[str, object]:
    if url.engine == "sqlite":
        sqlite_files_private(Path(url.name))  # password hashes, sessions: 0600 from the start
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": url.name,
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue instead of failing to upgrade a read lock.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                # The busy timeout: a writer waits up to this many seconds for the write lock
                # instead of failing at once with "database is locked".
                "timeout": 30,
            },
            # Keep connections across requests: opening one (and its PRAGMAs) cost more than
            # serving /log/checkpoint.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": str(data_dir / "test-db.sqlite3")},
        }
    return {
        # Django's, with a health check without a round trip (laydown.core.postgresql.base)
        "ENGINE": "laydown.core.postgresql",
        "NAME": url.name,
        "USER": url.user,
        "PASSWORD": url.password,
        "HOST": url.host,
        "PORT": url.port,
        "OPTIONS": postgresql_options(url.options),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def postgresql_options(given: tuple[tuple[str, str], ...]) -> dict[str, object]:
    """psycopg's connection options: the URL's query, with server-side binding and psycopg's
    prepared statements on unless it says otherwise.

    Django's default (values quoted into the SQL text by the client, nothing prepared) has the
    server parse and plan every statement anew: on a group commit's batch half the backend's
    CPU. With the values sent apart, psycopg prepares a statement the sixth time a connection
    runs it (prepare_threshold=5), and from then on the server only binds and executes it.
    Behind a pooler that hands a session's statements to other sessions (pgbouncer's
    transaction mode without max_prepared_statements), add `?prepare_threshold=none` to the
    URL; `?server_side_binding=false` goes back to Django's client-side binding.
    """
    options: dict[str, object] = {"server_side_binding": True, "prepare_threshold": 5}
    for key, value in given:
        if key == "server_side_binding":
            options[key] = _url_flag(key, value)
        elif key == "prepare_threshold":
            options[key] = _url_threshold(value)
        else:
            options[key] = value
    return options


def _url_flag(key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"LAYDOWN_DATABASE_URL: {key}={value!r}: use true or false.")


def _url_threshold(value: str) -> int | None:
    if value.strip().lower() in ("none", ""):
        return None
    try:
        threshold = int(value)
    except ValueError:
        threshold = -1
    if threshold < 0:
        raise ImproperlyConfigured(
            f"LAYDOWN_DATABASE_URL: prepare_threshold={value!r}: use a whole number (0 or more)"
            " or none."
        )
    return threshold


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: use one of {', '.join(choices)}.")
    return value
