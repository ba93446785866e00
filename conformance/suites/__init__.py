"""The conformance suites, in the order a full run executes them."""
