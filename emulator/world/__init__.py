"""The SimPy world: a clock in simulated days, actors, network links with faults, and the
back-ends and cards they reach (in-process, or live systems for replays against a target)."""
