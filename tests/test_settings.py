import pytest

from core.ranges import ConfigError
from core.settings import LIVE_REFRESH_DEFAULT, LIVE_REFRESH_ENV, live_refresh_seconds


def test_live_refresh_default_and_override(monkeypatch):
    monkeypatch.delenv(LIVE_REFRESH_ENV, raising=False)
    assert live_refresh_seconds() == LIVE_REFRESH_DEFAULT == 1.0
    monkeypatch.setenv(LIVE_REFRESH_ENV, "2.5")
    assert live_refresh_seconds() == 2.5


@pytest.mark.parametrize("text", ["fast", "0", "60"])
def test_bad_live_refresh_is_a_clear_error(monkeypatch, text):
    monkeypatch.setenv(LIVE_REFRESH_ENV, text)
    with pytest.raises(ConfigError, match=LIVE_REFRESH_ENV):
        live_refresh_seconds()
