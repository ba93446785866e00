"""Scenario replay: load a scenario (YAML, JSON Schema, file/line errors), run its steps in
the SimPy world, judge the expectations, write a trace, and diff two traces."""
