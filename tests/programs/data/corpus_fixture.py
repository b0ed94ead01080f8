"""A small corpus file: some functions are core logic wrapped in I/O, some must be rejected."""
import logging
import random
import math

logger = logging.getLogger(__name__)
SEP = "-"


def count_vowels(text: str) -> int:
    """Count vowels.

    >>> count_vowels('banana')
    3
    """
    print("counting", text)
    logger.info("start")
    total = 0
    for ch in text:
        if ch in "aeiou":
            total += 1
    return total
    print("never reached")


def join_words(words: list[str]) -> str:
    logging.debug("joining")
    return SEP.join(w.upper() for w in words)


def hypot_floor(a, b):
    # uses a safe module
    return math.floor(math.sqrt(a * a + b * b))


def uses_helper(nums):
    return [double(x) for x in nums if x % 2]


def double(x):
    return 2 * x


def roll(n):
    return random.randint(1, n)


def read_config(path):
    with open(path) as fh:
        return fh.read()


def greet(name):
    print("hello", name)


def gen(n):
    for i in range(n):
        yield i


assert hypot_floor(3, 4) == 5
print(uses_helper([1, 2, 3]))

if __name__ == "__main__":
    print(join_words(["a", "b"]))
    roll(6)
