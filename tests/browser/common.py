"""What the walk-through's step modules share."""

from __future__ import annotations

# Generous: a busy 2-core machine. Every wait ends as soon as its event happens.
TIMEOUT_MS = 60_000


class StepFailed(Exception):
    """A step did not see what it expected."""
