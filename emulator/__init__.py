"""Hosts cards and everything around them: transports, reader, world, replay, load, CLI."""
