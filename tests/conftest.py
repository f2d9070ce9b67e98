import pytest


@pytest.fixture
def valid_pack_path():
    from pathlib import Path

    return Path(__file__).parent / "tutor" / "packs" / "valid"
