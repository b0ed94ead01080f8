"""Stage 2 (programs): natural values — the words, sentences, codes and sizes of the `NATURAL` input recipe.

Benchmark calls pass words in mixed case, sentences with spaces and punctuation, identifiers mixing letters
and digits, number strings, separated fields, padded text, and short or empty collections; `inputs` draws
from here when a recipe has `words`.
"""

from __future__ import annotations

import random
import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codereasoner.programs.inputs import ValueRecipe

# Common short words for natural strings: the vocabulary of identifiers, messages and test data.
WORDS = tuple("""
apple banana cherry lemon mango grape orange pear plum peach berry melon cat dog bird fish horse mouse lion
tiger bear wolf fox owl house tree river stone light water fire earth wind cloud rain snow sun moon star
green blue red yellow black white pink gray gold silver hello world python code data table value key name
user admin guest test sample item order price total count index list text word line page file path node
city road park home school office music movie book story song game time day night year month week hour
morning evening summer winter spring small big fast slow happy open close start stop left right up down
north south east west one two three four five alpha beta gamma delta omega zero first last next new old
""".split())
_SEPARATORS = ("-", ",", "_", ".", ", ", ":", "/", ";", "|", " - ")


def cased(word: str, rng: random.Random) -> str:
    """`word` as written: mostly lower case, else Capitalised, UPPER or mIxEd."""
    roll = rng.random()
    if roll < 0.6:
        return word
    if roll < 0.82:
        return word.capitalize()
    if roll < 0.94:
        return word.upper()
    return "".join(c.upper() if rng.random() < 0.4 else c for c in word)


def natural_str(recipe: ValueRecipe, rng: random.Random) -> str:
    """A string like benchmark calls pass: a word, a sentence, a code, digits, separated fields, ..."""
    words, roll = recipe.words, rng.random()
    if roll < recipe.empty_p:
        return ""
    roll = rng.random()
    if roll < 0.22:
        return cased(rng.choice(words), rng)
    if roll < 0.50:  # a sentence: spaces, maybe a comma and end punctuation
        parts = [rng.choice(words) for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.4:
            parts[0] = parts[0].capitalize()
        if rng.random() < 0.2:
            parts[rng.randrange(len(parts) - 1)] += ","
        return " ".join(parts) + rng.choice(("", "", ".", "!", "?"))
    if roll < 0.60:  # an identifier-like code: letters and digits
        return "".join(rng.choice(string.ascii_letters + string.digits * 2) for _ in range(rng.randint(3, 8)))
    if roll < 0.68:
        return str(rng.randint(0, 10 ** rng.randint(1, 5)))
    if roll < 0.77:  # separated fields
        sep = rng.choice(_SEPARATORS)
        items = [rng.choice(words) if rng.random() < 0.6 else rng.choice(string.ascii_lowercase + string.digits)
                 for _ in range(rng.randint(2, 4))]
        return sep.join(items)
    if roll < 0.86:
        lo, hi = recipe.str_len
        return "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(lo, hi)))
    if roll < 0.86 + recipe.repeat_p:  # ExecVerify's repeated character
        return rng.choice(string.ascii_letters + string.digits + string.punctuation + " ") * rng.randint(3, 10)
    if roll < 0.97:
        lo, hi = recipe.str_len
        return "".join(rng.choice(recipe.alphabet + string.punctuation + " ") for _ in range(rng.randint(lo, hi)))
    return " " * rng.randint(1, 2) + rng.choice(words) + " " * rng.randint(0, 2)  # padded


def natural_size(recipe: ValueRecipe, rng: random.Random) -> int:
    """Items in a collection: empty now and then (CRUXEval: 11 % of collection arguments), often short."""
    roll = rng.random()
    if roll < 2 * recipe.empty_p:
        return 0
    if roll < 0.25:
        return rng.randint(1, 2)
    return rng.randint(3, 6) if roll < 0.8 else rng.randint(7, 10)
