"""The order waiting trainings start in: turns go round the networks (client addresses).

First come, first served would let one visitor who queues many trainings, clearing cookies
between them, make everyone behind wait for all of them. Instead each training is given a
round when it queues: the round being served now, or, when its network already has a
training in that round or later, the round after its network's last. Trainings start by
round, then in the order they came. A learner's first training never waits for more than
one training of each network ahead of it; a network's second one waits for the others'
first. Where every training comes from one network (a school behind one router, a proxy
not trusted with DIGITS_TRUSTED_PROXY, the CLI), the order is first come, first served.
"""
from __future__ import annotations

import itertools


class Turns:
    def __init__(self) -> None:
        self._serving = 0                   # the round of the latest training to start
        self._last: dict[str, int] = {}     # each network's latest round given
        self._arrivals = itertools.count()

    def take(self, network: str) -> tuple[int, int]:
        """A sort key for a training of `network` queueing now: (its round, its arrival)."""
        turn = self.round_for(network)
        self._last[network] = turn
        return turn, next(self._arrivals)

    def round_for(self, network: str) -> int:
        """The round `take` would give a training of `network` now, taking nothing."""
        return max(self._serving, self._last.get(network, -1) + 1)

    def started(self, key: tuple[int, int]) -> None:
        """A training with sort key `key` started: its round is being served."""
        self._serving = max(self._serving, key[0])
        # a network last given a round before the one served now starts afresh, as a newcomer does
        self._last = {network: turn for network, turn in self._last.items() if turn >= self._serving}
