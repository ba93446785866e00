"""Conformance harness: requirement-traced suites, PICS/PIXIT, verdicts, reports."""
