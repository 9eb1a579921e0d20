"""Access control shared by every app: roles and scopes (`roles`), the permission matrix and the
one function that decides (`permissions`), and the request side, `requires` and `principal_of`
(`web`). Not an app: it sits below all of them, the ledger included, and imports none.
"""
