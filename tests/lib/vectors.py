"""Loads the public protocol vectors in tests/fixtures/vectors (see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"


def load_vector(name: str) -> dict[str, Any]:
    """One vector file, parsed."""
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text())
    return data


def vector_key(vector: dict[str, Any]) -> bytes:
    """The vector's key as raw bytes (ASCII local keys or a hex raw key)."""
    if vector.get("key_hex"):
        return bytes.fromhex(vector["key_hex"])
    return str(vector["key"]).encode()
