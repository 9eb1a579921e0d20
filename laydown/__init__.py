"""Laydown: the information system of a DDR and humanitarian programme, on a verifiable ledger."""
