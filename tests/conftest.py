"""Shared pytest setup: no test may read or write the user's real cache (~/.cache/convviz)."""

import pytest
from hypothesis import HealthCheck, settings

# Property tests call real Keras layers: no per-example deadline, and slow data
# generation is expected, not a health problem.
settings.register_profile("convviz", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("convviz")


@pytest.fixture(scope="session", autouse=True)
def convviz_home(tmp_path_factory):
    """Point ``CONVVIZ_HOME`` at a fresh folder for the whole session; yield that folder."""
    home = tmp_path_factory.mktemp("convviz_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONVVIZ_HOME", str(home))
        mp.delenv("CONVVIZ_MNIST", raising=False)
        yield home
