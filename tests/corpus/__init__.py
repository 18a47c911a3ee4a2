"""Real product DP layouts and the entities each should become (tests/corpus/devices.py)."""
