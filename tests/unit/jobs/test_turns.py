from core.jobs.turns import Turns


def order(turns: Turns, networks: str) -> list[str]:
    """The order trainings queued from `networks` (one letter each, in arrival order) start in."""
    keys = [(turns.take(network), f"{network}{n}") for n, network in enumerate(networks)]
    return [name for _, name in sorted(keys)]


def test_one_network_alone_is_served_first_come_first_served():
    assert order(Turns(), "aaaa") == ["a0", "a1", "a2", "a3"]


def test_turns_go_round_the_networks():
    assert order(Turns(), "aaabbc") == ["a0", "b3", "c5", "a1", "b4", "a2"]


def test_a_newcomer_goes_ahead_of_a_networks_second_training_but_behind_every_first_one():
    turns = Turns()
    first = turns.take("a")
    turns.started(first)
    second, third = turns.take("a"), turns.take("a")
    others = turns.take("b"), turns.take("c")
    assert sorted([second, third, *others]) == [*others, second, third]


def test_a_network_whose_turn_has_passed_queues_as_a_newcomer():
    turns = Turns()
    for _ in range(5):  # a busy network's trainings start one after another while nobody else waits
        turns.started(turns.take("busy"))
    busy_again, quiet = turns.take("busy"), turns.take("quiet")
    assert busy_again[0] > quiet[0]  # its past turns do not push the quiet network back
    assert sorted([busy_again, quiet]) == [quiet, busy_again]
