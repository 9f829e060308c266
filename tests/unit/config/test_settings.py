import pytest

from core.config.fields import ConfigError
from core.config.settings import (
    LIVE_REFRESH_DEFAULT,
    LIVE_REFRESH_ENV,
    TORCH_THREADS_ENV,
    WHOLE_NUMBERS,
    Settings,
    settings,
    usable_cores,
)


def test_every_setting_has_its_default_when_unset():
    assert settings({}) == Settings()
    assert settings({}).live_refresh_seconds == LIVE_REFRESH_DEFAULT == 1.0
    assert settings({}).slots == max(1, usable_cores() // 2)


def test_live_refresh_default_and_override():
    assert settings({LIVE_REFRESH_ENV: "2.5"}).live_refresh_seconds == 2.5


@pytest.mark.parametrize("text", ["fast", "0", "60", "nan"])
def test_bad_live_refresh_is_a_clear_error(text):
    with pytest.raises(ConfigError, match=LIVE_REFRESH_ENV):
        settings({LIVE_REFRESH_ENV: text})


def test_torch_threads_are_unset_by_default_and_can_be_set():
    assert settings({}).torch_threads is None
    assert settings({TORCH_THREADS_ENV: "3"}).torch_threads == 3


@pytest.mark.parametrize("text", ["many", "0", "1.5", "-2", "1000"])
def test_bad_torch_threads_is_a_clear_error(text):
    with pytest.raises(ConfigError, match=TORCH_THREADS_ENV):
        settings({TORCH_THREADS_ENV: text})


def test_hosted_servers_get_the_tighter_defaults_each_can_be_set_apart():
    hosted = settings({"DIGITS_HOSTED": "1"})
    for field, (name, local, public, lo, hi) in WHOLE_NUMBERS.items():
        assert getattr(hosted, field) == public and getattr(settings({}), field) == local, name
    assert settings({"DIGITS_HOSTED": "yes", "DIGITS_MAX_EPOCHS": "20"}).max_epochs == 20


def test_the_per_learner_limits_earlier_name_is_no_longer_read():
    assert settings({"DIGITS_JOBS_PER_SESSION": "3"}).jobs_per_learner == 1
    assert settings({"DIGITS_JOBS_PER_LEARNER": "2"}).jobs_per_learner == 2


def test_folders_come_from_the_environment_or_default():
    assert (settings({}).data_dir, settings({}).store_dir) == ("./data", "./runs")
    found = settings({"DIGITS_DATA_DIR": "/srv/data", "DIGITS_STORE_DIR": "/srv/runs"})
    assert (found.data_dir, found.store_dir) == ("/srv/data", "/srv/runs")


def test_the_settings_module_is_the_only_reader_of_the_environment():
    """Every DIGITS_* variable is read by core/config/settings.py alone (pages, ui and core call settings())."""
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parents[3]
    readers = [p.relative_to(root).as_posix() for folder in ("core", "ui", "pages") for p in (root / folder).rglob("*.py")
               if re.search(r"os\.environ|os\.getenv", p.read_text())]
    assert readers == ["core/config/settings.py"]


@pytest.mark.parametrize("text", ["²", "٣", "9" * 5000])
def test_digits_that_are_not_plain_ascii_or_too_many_are_refused_in_words(text):
    with pytest.raises(ConfigError, match="DIGITS_QUEUE_SLOTS must be a whole number"):
        settings({"DIGITS_QUEUE_SLOTS": text})


def test_the_cluster_settings_are_checked_and_a_database_password_is_never_echoed():
    url = "postgresql+psycopg://digits:s3cret-pw@db:5432/digits"
    found = settings({"DIGITS_DATABASE_URL": url, "DIGITS_RAY_ADDRESS": "ray://head:10001"})
    assert (found.database_url, found.ray_address) == (url, "ray://head:10001")
    assert "s3cret-pw" not in repr(found)
    for address in ("auto", "10.0.0.5:6379", "ray://ray-head:10001"):
        assert settings({"DIGITS_RAY_ADDRESS": address}).ray_address == address
    for address in ("http://head:80", "head", "ray://", "auto; rm -rf /", "x" * 300 + ":1"):
        with pytest.raises(ConfigError, match="DIGITS_RAY_ADDRESS"):
            settings({"DIGITS_RAY_ADDRESS": address})
    for bad in ("mysql://u:s3cret-pw@h/db", "s3cret-pw", "://u:s3cret-pw@h/db"):
        with pytest.raises(ConfigError, match="DIGITS_DATABASE_URL") as refused:
            settings({"DIGITS_DATABASE_URL": bad})
        assert "s3cret-pw" not in str(refused.value)


def test_the_database_password_comes_from_a_secret_file_and_a_missing_one_is_one_sentence(tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text("s3cret-pw\n")
    found = settings({"DIGITS_DATABASE_URL": "postgresql+psycopg://digits@db:5432/digits",
                      "DIGITS_DATABASE_PASSWORD_FILE": str(secret)})
    assert found.database_url == "postgresql+psycopg://digits:s3cret-pw@db:5432/digits"
    with pytest.raises(ConfigError, match="DIGITS_DATABASE_PASSWORD_FILE names .* which cannot be read"):
        settings({"DIGITS_DATABASE_URL": "postgresql+psycopg://digits@db/digits",
                  "DIGITS_DATABASE_PASSWORD_FILE": str(tmp_path / "missing")})


def test_workers_get_the_limits_but_no_secret_and_absolute_folders():
    from core.config.settings import worker_environment
    env = worker_environment({"DIGITS_DATABASE_URL": "postgresql+psycopg://u:s3cret-pw@db/x", "DIGITS_TEACHER_KEY":
                              "teacher-key-1", "DIGITS_RAY_ADDRESS": "auto", "DIGITS_MAX_EPOCHS": "8",
                              "DIGITS_STORE_DIR": "runs", "HOME": "/root"})
    assert env["DIGITS_MAX_EPOCHS"] == "8" and env["DIGITS_STORE_DIR"].startswith("/")
    assert not {"DIGITS_DATABASE_URL", "DIGITS_TEACHER_KEY", "DIGITS_RAY_ADDRESS", "HOME"} & set(env)


def test_a_trusted_proxy_is_a_yes_or_no_setting():
    assert settings({}).trusted_proxy is False
    assert settings({"DIGITS_TRUSTED_PROXY": "1"}).trusted_proxy is True
    with pytest.raises(ConfigError, match="DIGITS_TRUSTED_PROXY must be 1 or 0"):
        settings({"DIGITS_TRUSTED_PROXY": "maybe"})


def test_the_public_address_is_a_plain_web_address_or_unset():
    assert settings({}).public_url == ""
    assert settings({"DIGITS_PUBLIC_URL": "https://digits.example.org/app/"}).public_url == \
        "https://digits.example.org/app"
    for bad in ("digits.example.org", "javascript:alert(1)", "https://x.org/?join=<b>", "http://a b"):
        with pytest.raises(ConfigError, match="DIGITS_PUBLIC_URL must be the app's address"):
            settings({"DIGITS_PUBLIC_URL": bad})


def test_a_hosted_server_names_no_database_address_and_no_path():
    from core.config.settings import hosted_text
    said = hosted_text("the run store postgresql+psycopg://digits@db.internal:5432/digits could not be used "
                       "(connection timeout expired)")
    assert said == "the run store its database could not be used (connection timeout expired)"
    assert hosted_text("the run store /srv/digits/runs/runs.sqlite could not be opened") == \
        "the run store runs.sqlite could not be opened"
