"""Counter-based random draws: the stream of item *i* is a pure function of a key, not of a state.

`random.Random(seed)` costs several microseconds to seed (624 words of Mersenne Twister state),
and the generator seeded one per item, entity and collection. A keyed hash does the same job with
no state to build: block *n* of a stream is `blake2b(key || n)`, eight 53-bit uniforms per call,
so an item's draws cost one hash call per eight values and nothing up front. The stream is an
iterator, so `random()` is a C-level `__next__` (no Python frame per draw).

The same key gives the same draws in every process, on every platform and Python version
(blake2b and IEEE doubles are fixed): that is all determinism needs.
"""

from __future__ import annotations

from functools import lru_cache, partial
from hashlib import blake2b
from itertools import chain, count
from struct import Struct
from typing import Any, Iterator, Sequence

_BLOCK = Struct("<8Q")
_UNPACK = _BLOCK.unpack
_SCALE = 2.0 ** -53
_INDEX = Struct("<Q")
_SUFFIXES = tuple(n.to_bytes(4, "little") for n in range(256))  # block numbers as hashed (an item uses a few)


_TOP_BITS = (11).__rrshift__  # w -> w >> 11: a word's top 53 bits
_TO_UNIT = _SCALE.__mul__  # exact: the int is below 2**53


def _block(key: bytes, n: int) -> Iterator[float]:
    """Block n of a stream: eight uniforms in [0, 1), each exact to 53 bits. Lazy (maps in C): an
    item's last block is seldom drawn to the end, and the words it does not draw are never scaled."""
    suffix = _SUFFIXES[n] if n < 256 else n.to_bytes(4, "little")
    # 64 bytes is blake2b's default digest size: not passing it saves a third of the hash call
    return map(_TO_UNIT, map(_TOP_BITS, _UNPACK(blake2b(key + suffix).digest())))


def key_of(*parts: Any) -> bytes:
    """A 16-byte key from any printable parts (the same parts give the same key in every process)."""
    return blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).digest()


@lru_cache(maxsize=4096)
def collection_key(*parts: Any) -> bytes:
    """The key of a collection (seed, recipe, path key, size, scenario), cached: many items share it."""
    return key_of(*parts)


def item_key(collection: bytes, index: int) -> bytes:
    return collection + _INDEX.pack(index & 0xFFFFFFFFFFFFFFFF)


class Draws:
    """The subset of `random.Random`'s interface the generator and `x-faker` expressions use.

    Values differ from `random.Random`'s for the same seed (they were never promised); what is
    promised is that the same key gives the same sequence everywhere.
    """

    __slots__ = ("random", "_key")

    def __init__(self, key: bytes):
        self._key = key

    def __getattr__(self, name: str) -> Any:
        """The stream is made on the first draw: many items (an identity, a cycle) draw nothing."""
        if name != "random":
            raise AttributeError(name)
        return self.stream()

    def stream(self) -> Any:
        """`random`, made now if it is not yet: what a generator binds once (a method call costs
        less than the failed slot lookup that reaches `__getattr__`)."""
        key = self._key
        if key is None:
            return self.random
        self._key = None
        # No reference back to self: the stream is freed without the cycle collector.
        self.random = random = chain.from_iterable(map(partial(_block, key), count())).__next__
        return random

    def randint(self, a: int, b: int) -> int:
        if b < a:
            raise ValueError(f"empty range for randint({a}, {b})")
        span = b - a + 1
        if span <= 1 << 53:
            return a + int(self.random() * span)
        return a + self.getrandbits(span.bit_length() + 32) % span

    def randrange(self, start: int, stop: int | None = None) -> int:
        if stop is None:
            start, stop = 0, start
        return self.randint(start, stop - 1)

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.random()

    def choice(self, seq: Sequence) -> Any:
        if not seq:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]

    def getrandbits(self, k: int) -> int:
        value, have = 0, 0
        while have < k:
            value = value << 53 | int(self.random() * 9007199254740992.0)
            have += 53
        return value >> (have - k)

    def sample(self, population: Sequence, k: int) -> list:
        pool = list(population)
        if not 0 <= k <= len(pool):
            raise ValueError("Sample larger than population or is negative")
        for i in range(k):  # a partial Fisher-Yates shuffle
            j = i + int(self.random() * (len(pool) - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def shuffle(self, items: list) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = int(self.random() * (i + 1))
            items[i], items[j] = items[j], items[i]


def draws_for(*parts: Any) -> Draws:
    return Draws(key_of(*parts))
