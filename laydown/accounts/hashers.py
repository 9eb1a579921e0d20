"""The password hasher: Argon2id with OWASP's recommended parameters (docs/security.md, 15).

Django 5's `Argon2PasswordHasher` uses 100 MiB, 2 passes and 8 lanes: ~0.25 s of CPU for each
sign-in on this project's 2-core machine, so a handful of sign-ins a second (or of bogus ones:
the throttle lets 20 an address through before it backs off) fill the server. OWASP's Password
Storage Cheat Sheet recommends Argon2id with at least 19 MiB of memory, 2 passes and 1 lane;
that costs ~0.03 s. The algorithm name stays `argon2`, so hashes made with Django's default
(or any other Argon2 parameters) keep verifying and Django rewrites them with these parameters
at the user's next successful sign-in (`must_update`), as it does whenever a hasher's
parameters change.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class LaydownArgon2Hasher(Argon2PasswordHasher):
    """Argon2id, m = 19 MiB, t = 2, p = 1 (OWASP's recommended minimum for Argon2id)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
