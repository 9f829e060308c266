import pytest

from core.ranges import ConfigError
from core.settings import (LIVE_REFRESH_DEFAULT, LIVE_REFRESH_ENV, TORCH_THREADS_ENV, live_refresh_seconds,
                           torch_threads, usable_cores)


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


def test_torch_threads_default_to_the_usable_cores_and_can_be_set(monkeypatch):
    monkeypatch.delenv(TORCH_THREADS_ENV, raising=False)
    assert torch_threads() == usable_cores() >= 1
    monkeypatch.setenv(TORCH_THREADS_ENV, "3")
    assert torch_threads() == 3


@pytest.mark.parametrize("text", ["many", "0", "1.5", "-2", "1000"])
def test_bad_torch_threads_is_a_clear_error(monkeypatch, text):
    monkeypatch.setenv(TORCH_THREADS_ENV, text)
    with pytest.raises(ConfigError, match=TORCH_THREADS_ENV):
        torch_threads()
