"""Service bank: the card's financial account on a double-entry ledger, and the issuer host."""
