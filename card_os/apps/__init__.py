"""Applications attached to DFs by name (`"app": "NAME"` in the card image): ssse, pboc, pse, psam.

See `card_os.apps.base` for the interface and docs/internals.md for the contract.
"""
