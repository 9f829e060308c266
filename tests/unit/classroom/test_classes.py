import time

import pytest
from helpers import tiny_config

from core.classroom.classes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Classes,
    RateLimited,
    app_address,
    is_code,
    join_link,
    key_matches,
    normal_code,
)
from core.config.fields import ConfigError
from core.store.runs import RunStore
from core.training.status import Status

pytestmark = pytest.mark.usefixtures("each_database")  # every test on SQLite, then on PostgreSQL

KEY = "workshop-key-42"


@pytest.fixture
def classes(store) -> Classes:
    return Classes(store)


def test_a_class_gets_a_short_code_a_projector_cannot_misread(classes):
    codes = {classes.start_class(f"class {i}") for i in range(20)}
    assert len(codes) == 20 and all(is_code(code) for code in codes)
    assert all(len(code) == CODE_LENGTH and not set(code) & set("0O1I") for code in codes)
    assert set(CODE_ALPHABET).isdisjoint("0O1I")
    assert [info.code for info in classes.all_classes()][0] in codes


def test_learners_join_with_the_code_as_typed_and_stay_until_they_leave(classes, store_root):
    code = classes.start_class("Tuesday")
    typed = f" {code[:3].lower()}-{code[3:].lower()} "
    assert normal_code(typed) == code
    assert classes.join("ada", typed).title == "Tuesday"
    assert Classes(RunStore(store_root)).class_of("ada") == code  # kept in the store, not in a session
    other = classes.start_class("Wednesday")
    classes.join("ada", other)  # one class at a time
    assert classes.class_of("ada") == other and "ada" not in classes.members(code)
    classes.leave("ada")
    assert classes.class_of("ada") == ""


@pytest.mark.parametrize("typed", ["", "ABC", "ZZZZZZ", "<b>x</b>", "A" * 500, "ÄBCDEF"])
def test_a_wrong_code_is_one_sentence_and_joins_nothing(classes, typed):
    classes.start_class()
    with pytest.raises(ConfigError, match="There is no class with the code"):
        classes.join("ada", typed)
    assert classes.class_of("ada") == ""


def test_only_the_servers_key_signs_a_teacher_in_and_a_new_key_signs_them_out(classes):
    assert not classes.sign_in("t", "wrong-key-00", KEY) and not classes.is_teacher("t", KEY)
    assert not classes.sign_in("t", "", "")  # no key on the server: nobody is a teacher
    assert classes.sign_in("t", KEY, KEY) and classes.is_teacher("t", KEY)
    assert not classes.is_teacher("t", "another-key-99") and not classes.is_teacher("t", "")
    assert key_matches(KEY, KEY) and not key_matches(KEY + " ", KEY)
    classes.sign_out("t")
    assert not classes.is_teacher("t", KEY)


def test_caps_and_setups_are_kept_per_class_and_checked(classes):
    code = classes.start_class()
    classes.join("ada", code)
    classes.set_cap(code, "ada", 2)
    assert classes.members(code) == {"ada": 2} and classes.cap_of("ada") == 2
    classes.set_cap(code, "ada", None)
    assert classes.cap_of("ada") is None
    for bad in (-1, 1001, 2.5, "3"):
        with pytest.raises(ConfigError):
            classes.set_cap(code, "ada", bad)
    setup = tiny_config(epochs=1)
    classes.set_setup(code, setup, "lock")
    info = classes.info(code)
    assert info.setup == setup and info.setup_mode == "lock"
    classes.set_setup(code, None)
    assert classes.info(code).setup is None and classes.info(code).setup_mode == ""
    with pytest.raises(ConfigError):
        classes.set_setup(code, setup, "everything")


def test_archiving_starts_an_empty_round_and_keeps_every_run(classes):
    store = classes.store
    code, other = classes.start_class(), classes.start_class()
    first = store.begin_run(tiny_config(), learner="ada", class_code=code, status=Status.QUEUED)
    store.begin_run(tiny_config(), learner="bob", class_code=other, status=Status.QUEUED)
    store.begin_run(tiny_config(), learner="cy", status=Status.QUEUED)  # in no class
    assert [r.run_id for r in classes.runs_this_round(code)] == [first]  # classes never mix
    assert classes.archive(code) == 2
    assert classes.runs_this_round(code) == []
    assert [r.run_id for r in store.list_runs(class_code=code)] == [first]  # kept, with its class
    later = store.begin_run(tiny_config(), learner="ada", class_code=code, status=Status.QUEUED)
    assert [r.run_id for r in classes.runs_this_round(code, learner="ada")] == [later]
    assert classes.runs_this_round("NOSUCH") == []


def test_leaving_and_rejoining_keeps_a_cap_and_an_unreadable_setup_is_ignored(classes):
    code = classes.start_class()
    classes.join("ada", code)
    classes.set_cap(code, "ada", 1)
    classes.leave("ada")
    classes.join("ada", code)
    assert classes.cap_of("ada") == 1 and classes.members(code) == {"ada": 1}
    classes.store.execute("UPDATE classes SET setup_json=:setup WHERE code=:code",
                          {"setup": '{"config": {"arch": "x"}}', "code": code})
    assert classes.info(code).setup is None and classes.info(code).setup_mode == ""


def test_wrong_keys_refuse_only_the_guessing_browser(classes, monkeypatch):
    monkeypatch.setitem(classes.wrong_keys.per, "browser", 3)
    for _ in range(3):
        assert not classes.sign_in("eve", "guess-guess", KEY, "10.0.0.66")
    with pytest.raises(RateLimited, match="Too many wrong teacher keys from this browser"):
        classes.sign_in("eve", KEY, KEY, "10.0.0.66")  # the right key too, for a minute: a guesser gains nothing
    assert classes.sign_in("teacher", KEY, KEY, "10.0.0.7")  # the real teacher, in another browser


def test_wrong_codes_refuse_only_the_guessing_browser(classes, monkeypatch):
    monkeypatch.setitem(classes.wrong_codes.per, "browser", 3)
    code = classes.start_class()
    for _ in range(3):
        with pytest.raises(ConfigError, match="There is no class"):
            classes.join("eve", "AAAAAA", "10.0.0.66")
    with pytest.raises(RateLimited, match="Too many wrong class codes from this browser"):
        classes.join("eve", code, "10.0.0.66")
    assert classes.join("ada", code, "10.0.0.66").code == code  # same address, another browser: in


def test_an_address_over_its_count_is_slowed_never_refused(classes, monkeypatch):
    monkeypatch.setitem(classes.wrong_keys.per, "address", 4)
    monkeypatch.setattr("core.classroom.classes.SLOWED_TRY_SECONDS", 1.0)
    for browser in ("eve-1", "eve-2", "eve-3", "eve-4"):  # fresh cookies, one address
        assert not classes.sign_in(browser, "guess-guess", KEY, "10.0.0.66")
    began = time.monotonic()
    assert not classes.sign_in("eve-5", "guess-guess", KEY, "10.0.0.66")
    assert time.monotonic() - began >= 1.0
    began = time.monotonic()
    assert classes.sign_in("teacher", KEY, KEY, "10.0.0.66")  # behind the same router: in, a moment later
    assert time.monotonic() - began >= 1.0
    began = time.monotonic()
    assert classes.sign_in("other", KEY, KEY, "10.0.0.8") and time.monotonic() - began < 1.0



def test_a_teachers_name_for_a_learner_on_the_wall_is_kept_per_class_and_cleaned(classes):
    from core.classroom.teacher import wall_names
    code, other = classes.start_class("Tuesday"), classes.start_class("Wednesday")
    for learner in ("ada", "bob", "cy"):
        classes.join(learner, code)
    classes.set_wall_name(code, "ada", "  Team\nblue  ")
    classes.set_wall_name(code, "bob", "")
    classes.set_wall_name(other, "cy", "elsewhere")  # another class's name for them is not this one's
    names = {"ada": "ada_real", "bob": "rude word", "cy": "cy"}
    assert wall_names(classes, code, names) == {"ada": "Team blue", "bob": "Learner 2", "cy": "cy"}
    classes.set_wall_name(code, "bob", None)
    assert wall_names(classes, code, names)["bob"] == "rude word"


@pytest.mark.parametrize("page_url, address", [
    ("http://localhost:8501/class?code=ABCDEF&view=projector", "http://localhost:8501"),
    ("https://school.example.org/digits/class", "https://school.example.org/digits"),
    ("http://10.0.0.5:8501/", "http://10.0.0.5:8501"),
])
def test_the_join_link_is_the_apps_address_with_the_code(page_url, address):
    assert app_address(page_url, "class") == address
    assert join_link(address + "/", "ABCDEF") == f"{address}/?join=ABCDEF"
