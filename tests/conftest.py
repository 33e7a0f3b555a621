import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def pytest_configure(config):
    # CI and tests read data from the workplace's shared folder when it exists (never a hard-coded path in the library)
    shared = ROOT.parent / "shared" / "data"
    if not os.environ.get("DATAOPT_DATA") and shared.is_dir():
        os.environ["DATAOPT_DATA"] = str(shared)

@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    # trained checkpoints of tests never mix with a user's cache
    monkeypatch.setenv("DATAOPT_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
