"""Tests of the SSSE application, personalisation, PSAM and HSM."""
