"""laydown-verify: check a Laydown log from the outside, with `cryptography` alone.

`laydown_verify.tlog` is Laydown's `laydown.tlog`, built from the same files."""
