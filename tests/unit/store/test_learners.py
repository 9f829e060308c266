import pytest

from core.store.learners import (
    NICKNAME_MAX,
    Learners,
    clean_nickname,
    display_names,
    is_secret,
    learner_id,
)
from core.store.runs import RunStore

pytestmark = pytest.mark.usefixtures("each_database")  # every test on SQLite, then on PostgreSQL

SECRET = "0123456789abcdef0123456789abcdef"


def test_only_secrets_of_the_apps_own_shape_are_taken():
    assert is_secret(SECRET)
    for bad in ("", SECRET.upper(), SECRET[:-1], SECRET + "0", "g" * 32, "'; DROP TABLE runs;--" + "0" * 10, None, 42):
        assert not is_secret(bad)
    with pytest.raises(ValueError):
        learner_id("not a secret")


def test_the_learner_id_is_stable_and_does_not_reveal_the_secret():
    assert learner_id(SECRET) == learner_id(SECRET) and len(learner_id(SECRET)) == 32
    assert learner_id(SECRET) != learner_id("f" * 32)
    assert learner_id(SECRET) != SECRET[:32]


def test_nicknames_are_kept_as_plain_single_line_text():
    assert clean_nickname("  ada \t lovelace\n") == "ada lovelace"
    assert clean_nickname("a\u200bd\u0000a") == "a d a"       # invisible and control characters go
    assert clean_nickname("x" * 100) == "x" * NICKNAME_MAX
    assert clean_nickname("**bold** <b>x</b>") == "**bold** <b>x</b>"  # kept as typed; pages show it as text


def test_shared_nicknames_get_tags_and_unique_ones_do_not():
    names = display_names({"3f2aa": "ada", "9c1bb": "ada", "77777": "grace", "12345": "", "12399": ""})
    assert names == {"3f2aa": "ada · 3f2", "9c1bb": "ada · 9c1", "77777": "grace",
                     "12345": "anonymous · 1234", "12399": "anonymous · 1239"}  # the shortest prefix that differs
    assert display_names({"abcd1": "ada", "abcd2": "ada"}) == {"abcd1": "ada · abcd1", "abcd2": "ada · abcd2"}


def test_nicknames_are_kept_per_learner_and_can_change(store_root, store):
    learners = Learners(store)
    assert learners.nickname("l1") == ""
    assert learners.set_nickname("l1", "  ada  ") == "ada"
    learners.set_nickname("l2", "ada")
    learners.set_nickname("l1", "grace")
    again = Learners(RunStore(store_root))   # another process, the same store
    assert again.nicknames() == {"l1": "grace", "l2": "ada"}
    assert again.display_names({"l3"}) == {"l1": "grace", "l2": "ada", "l3": "anonymous · l3"}  # always tagged


def test_a_nickname_cannot_dress_up_as_another_learners_tag():
    assert clean_nickname("ada · f77") == "ada - f77"
    assert clean_nickname("ada•f77 ada∙x ada⋅y") == "ada-f77 ada-x ada-y"


def test_a_visitor_is_counted_by_the_connection_unless_a_trusted_proxy_forwards_it():
    from core.store.learners import visitor_address
    assert visitor_address("203.0.113.5", "1.2.3.4") == "203.0.113.5"  # a forwarded header anyone can send
    assert visitor_address("10.0.0.2", "1.2.3.4, 198.51.100.7", trusted_proxy=True) == "198.51.100.7"
    assert visitor_address("10.0.0.2", None, trusted_proxy=True) == ""
    assert visitor_address(None) == ""
