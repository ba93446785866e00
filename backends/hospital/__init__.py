"""Hospital information system (HIS): registration, fees and settlement against the platform."""
