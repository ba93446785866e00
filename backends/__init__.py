"""Back-end institutions: bureau, bank, medical-insurance platforms, hospital."""
