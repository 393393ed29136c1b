"""Shared pytest setup: no test may read or write the user's real cache (~/.cache/convviz)."""
import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def convviz_home(tmp_path_factory):
    """Point ``CONVVIZ_HOME`` at a fresh folder for the whole session; yield that folder."""
    home = tmp_path_factory.mktemp("convviz_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONVVIZ_HOME", str(home))
        mp.delenv("CONVVIZ_MNIST", raising=False)
        yield home
