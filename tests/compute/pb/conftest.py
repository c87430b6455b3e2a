from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pb_support import DATA


@pytest.fixture(scope="session")
def elections() -> dict:
    """Parsed elections, cached for the session."""
    from cocity.compute.pb.pabulib import read_pb

    cache: dict = {}

    class Loader(dict):
        def __missing__(self, name: str):
            cache[name] = read_pb(DATA / name)
            self[name] = cache[name]
            return cache[name]

    return Loader()
