"""The demo programme: `laydown demo` loads each app's demo step into an empty database.

A top-level app of its own because it depends on every other app, and nothing depends on it.
"""
