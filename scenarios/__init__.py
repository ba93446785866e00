"""Scenario scripts (YAML) and their JSON Schema: data, not code."""
