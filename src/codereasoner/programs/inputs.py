"""Stage 2 (programs): type-aware input generation and mutation, and the literal round-trip check.

ExecVerify's input step (docs/data.md, `data/input_synthesis.py`) hands its LLM reference values:
ints from [5, 20], collections of 5–15 items, and strings that are 50% random alphanumerics of length 5–10,
40% one printable character (punctuation and whitespace included) repeated 5–15 times, 10% alphanumerics
with punctuation of length 5–10. `PAPER` reproduces that recipe without the LLM; `SMALL` is the short-value
variant for tiny models. `NATURAL` (the synthesizer's default) draws values like the ones benchmark calls
use: words in mixed case, sentences with spaces and punctuation, codes and digit strings, separated fields,
short and empty collections — ExecVerify's repeated characters stay, as a small share. Generators take
*hints* — the literals the program itself uses — and plant them in some inputs so that `count`, `replace`,
`in`, dict lookups... actually hit.

Type tags are the catalogue's: S str, I int, F float, B bool, L list[int], W list[str], D dict[str, int],
E set[int], T tuple[int].
"""

from __future__ import annotations

import ast
import math
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from codereasoner.programs.natural import WORDS, cased, natural_size, natural_str


@dataclass(frozen=True)
class ValueRecipe:
    """How big and what kind of values to make."""

    name: str
    int_range: tuple[int, int]
    size_range: tuple[int, int]  # items in a collection
    str_len: tuple[int, int]
    word_len: tuple[int, int]  # strings inside lists/dict keys
    alphabet: str
    repeat_p: float  # one character repeated (ExecVerify 40%)
    punct_p: float  # alphanumerics + punctuation (ExecVerify 10%)
    float_range: tuple[float, float]
    hint_p: float = 0.5  # plant a program literal in a generated value
    words: tuple[str, ...] = field(default=())  # non-empty: natural strings and sizes (`_natural_str`)
    empty_p: float = 0.0  # an empty string or collection


PAPER = ValueRecipe(
    name="paper",
    int_range=(5, 20),
    size_range=(5, 15),
    str_len=(5, 10),
    word_len=(1, 6),
    alphabet=string.ascii_letters + string.digits,
    repeat_p=0.4,
    punct_p=0.1,
    float_range=(-20.0, 20.0),
)
SMALL = ValueRecipe(
    name="small",
    int_range=(0, 9),
    size_range=(1, 4),
    str_len=(1, 4),
    word_len=(1, 3),
    alphabet="abcde",
    repeat_p=0.0,
    punct_p=0.0,
    float_range=(-4.0, 4.0),
    hint_p=0.6,
)
NATURAL = ValueRecipe(
    name="natural",
    int_range=(0, 12),
    size_range=(0, 8),
    str_len=(3, 10),
    word_len=(1, 8),
    alphabet=string.ascii_letters + string.digits,
    repeat_p=0.06,
    punct_p=0.05,
    float_range=(-20.0, 20.0),
    words=WORDS,
    empty_p=0.05,
)
RECIPES = {"natural": NATURAL, "paper": PAPER, "small": SMALL}


@dataclass
class Hints:
    """Literals a program uses, to plant in its inputs."""

    strs: list[str] = field(default_factory=list)
    ints: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    min_size: int = 0  # collections at least this long (algorithmic code wants arrays, not 0-2 items)


def _rand_str(recipe: ValueRecipe, rng: random.Random, hints: Hints | None, length: tuple[int, int]) -> str:
    lo, hi = length
    roll = rng.random()
    if recipe.words:
        text = natural_str(recipe, rng)
    elif roll < recipe.repeat_p:
        ch = rng.choice(string.ascii_letters + string.digits + string.punctuation + " \t\n")
        text = ch * rng.randint(max(lo, 5), max(hi, 15) if recipe is PAPER else hi)
    elif roll < recipe.repeat_p + recipe.punct_p:
        text = "".join(rng.choice(recipe.alphabet + string.punctuation) for _ in range(rng.randint(lo, hi)))
    else:
        text = "".join(rng.choice(recipe.alphabet) for _ in range(rng.randint(lo, hi)))
    if hints and hints.strs and rng.random() < recipe.hint_p:
        for _ in range(rng.randint(1, 2)):
            spaces = [i for i, c in enumerate(text) if c == " "] if recipe.words else []
            at = rng.choice(spaces) if spaces and rng.random() < 0.5 else rng.randint(0, len(text))
            text = text[:at] + rng.choice(hints.strs) + text[at:]
    return text


def _rand_int(recipe: ValueRecipe, rng: random.Random, hints: Hints | None) -> int:
    if hints and hints.ints and rng.random() < recipe.hint_p / 2:
        return rng.choice(hints.ints)
    if recipe.words:  # natural: mostly small counts and sizes, a tail of larger and negative values
        roll = rng.random()
        return rng.randint(-9, -1) if roll < 0.08 else rng.randint(13, 60) if roll < 0.2 else rng.randint(0, 12)
    return rng.randint(*recipe.int_range)


def _rand_elem_int(recipe: ValueRecipe, rng: random.Random, hints: Hints | None) -> int:
    """An int inside a collection: natural lists hold repeats and negatives, like test data does."""
    if recipe.words and not (hints and hints.ints and rng.random() < recipe.hint_p / 2):
        return rng.randint(-10, 30) if rng.random() < 0.3 else rng.randint(0, 9)
    return _rand_int(recipe, rng, hints)


def _rand_key(recipe: ValueRecipe, rng: random.Random, hints: Hints | None) -> str:
    if hints and hints.keys and rng.random() < 0.6:
        return rng.choice(hints.keys)
    if recipe.words:
        return rng.choice(recipe.words)
    return "".join(rng.choice(string.ascii_lowercase[:8]) for _ in range(rng.randint(*recipe.word_len)))


def _rand_word(recipe: ValueRecipe, rng: random.Random, hints: Hints | None) -> str:
    """A string inside a list: a word (a phrase or a number now and then), or a short random one."""
    if not recipe.words:
        plain = ValueRecipe(**{**recipe.__dict__, "repeat_p": 0.0, "punct_p": 0.0})
        return _rand_str(plain, rng, hints, recipe.word_len)
    roll = rng.random()
    if hints and hints.strs and roll < recipe.hint_p / 3:
        return rng.choice(hints.strs)
    if roll < 0.03:
        return ""
    if roll < 0.16:
        return f"{rng.choice(recipe.words)} {rng.choice(recipe.words)}"
    if roll < 0.22:
        return str(rng.randint(0, 99))
    return cased(rng.choice(recipe.words), rng)


def generate_value(tag: str, recipe: ValueRecipe, rng: random.Random, hints: Hints | None = None) -> Any:
    """A fresh value of type `tag` drawn from `recipe`."""
    n = natural_size(recipe, rng) if recipe.words else rng.randint(*recipe.size_range)
    if hints and hints.min_size:
        n = max(n, hints.min_size)
    if tag == "I":
        return _rand_int(recipe, rng, hints)
    if tag == "F":
        lo, hi = recipe.float_range
        return rng.randint(int(lo * 4), int(hi * 4)) / 4  # quarters: exact in binary, so sums stay readable
    if tag == "B":
        return rng.random() < 0.5
    if tag == "S":
        return _rand_str(recipe, rng, hints, recipe.str_len)
    if tag == "L":
        return [_rand_elem_int(recipe, rng, hints) for _ in range(n)]
    if tag == "W":
        return [_rand_word(recipe, rng, hints) for _ in range(n)]
    if tag == "D":
        return {_rand_key(recipe, rng, hints): _rand_int(recipe, rng, hints) for _ in range(n)}
    if tag == "E":
        return {_rand_elem_int(recipe, rng, hints) for _ in range(n)}
    if tag == "T":
        return tuple(_rand_elem_int(recipe, rng, hints) for _ in range(n))
    raise ValueError(f"no generator for type tag {tag!r}")


def tag_of(value: Any) -> str | None:
    """The catalogue type tag of a literal value, or None when it has none (mutation then keeps it)."""
    if isinstance(value, bool):
        return "B"
    if isinstance(value, int):
        return "I"
    if isinstance(value, float):
        return "F" if math.isfinite(value) else None
    if isinstance(value, str):
        return "S"
    if isinstance(value, list):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return "L"
        if all(isinstance(v, str) for v in value):
            return "W"
        return None
    if isinstance(value, dict):
        ok = all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in value.items())
        return "D" if ok else None
    if isinstance(value, (set, frozenset)):
        return "E" if all(isinstance(v, int) and not isinstance(v, bool) for v in value) else None
    if isinstance(value, tuple):
        return "T" if all(isinstance(v, int) and not isinstance(v, bool) for v in value) else None
    return None


def mutate_value(value: Any, recipe: ValueRecipe, rng: random.Random, hints: Hints | None = None) -> Any:
    """A small type-preserving edit of `value` (or a fresh draw of the same type, 1 time in 4)."""
    tag = tag_of(value)
    if tag is None:
        return value
    if rng.random() < 0.25:
        return generate_value(tag, recipe, rng, hints)
    if tag == "I":
        return value + rng.choice([-3, -2, -1, 1, 2, 3])
    if tag == "F":
        return value + rng.choice([-1.5, -0.5, -0.25, 0.25, 0.5, 1.5])
    if tag == "B":
        return not value
    if tag == "S":
        chars = list(value)
        op = rng.randrange(3) if chars else 1
        at = rng.randrange(len(chars) + (op == 1)) if chars or op == 1 else 0
        new = rng.choice(recipe.alphabet)
        if op == 0:
            chars[at] = new
        elif op == 1:
            chars.insert(at, new)
        else:
            del chars[at]
        return "".join(chars)
    items = list(value.items()) if tag == "D" else list(value)
    op = rng.randrange(3) if items else 1
    if op == 0:
        rng.shuffle(items) if tag in ("L", "W", "T") else items.pop(rng.randrange(len(items)))
    elif op == 1:
        fresh = generate_value(tag, recipe, rng, hints)
        extra = list(fresh.items()) if tag == "D" else list(fresh)
        if extra:
            items.insert(rng.randint(0, len(items)), rng.choice(extra))
    else:
        items.pop(rng.randrange(len(items)))
    if tag == "D":
        return dict(items)
    return {"L": list, "W": list, "E": set, "T": tuple}[tag](items)


def render_args(values: Sequence[Any]) -> str:
    """Argument source for a call: the values' reprs joined by ', '."""
    return ", ".join(repr(v) for v in values)


def generate_calls(
    tags: Sequence[str],
    k: int,
    recipe: ValueRecipe,
    rng: random.Random,
    hints: Hints | None = None,
    *,
    entry: str = "f",
    max_chars: int = 300,
) -> list[str]:
    """Up to `k` distinct calls `entry(args)`: one fresh draw, then mutations of it and fresh draws."""
    calls: list[str] = []
    base = [generate_value(t, recipe, rng, hints) for t in tags]
    values = base
    for _ in range(4 * k):
        call = f"{entry}({render_args(values)})"
        if call not in calls and len(call) <= max_chars:
            calls.append(call)
            if len(calls) == k:
                break
        if rng.random() < 0.5:
            values = [mutate_value(v, recipe, rng, hints) for v in base]
        else:
            values = [generate_value(t, recipe, rng, hints) for t in tags]
    return calls


def parse_call_args(call: str) -> tuple[str, list[Any]] | None:
    """(function name, literal argument values) of a call like `f(1, 'a')`; None if any argument is not a literal."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.keywords:
        return None
    try:
        return node.func.id, [ast.literal_eval(a) for a in node.args]
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def mutate_call(call: str, k: int, rng: random.Random, recipe: ValueRecipe = PAPER) -> list[str]:
    """Up to `k` new distinct calls made by mutating a literal call's arguments by their types."""
    parsed = parse_call_args(call)
    if parsed is None:
        return []
    name, args = parsed
    out: list[str] = []
    for _ in range(4 * k):
        new = f"{name}({render_args([mutate_value(a, recipe, rng) for a in args])})"
        if new != call and new not in out:
            out.append(new)
            if len(out) == k:
                break
    return out


_MAX_NODES = 2_000


def _literal_ok(node: ast.AST, budget: list[int], depth: int) -> bool:
    budget[0] -= 1
    if budget[0] < 0 or depth > 50:
        return False
    if isinstance(node, ast.Constant):
        return node.value is not Ellipsis
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float, complex)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):  # complex literals: 1+2j
        return (
            isinstance(node.right, ast.Constant)
            and isinstance(node.right.value, complex)
            and _literal_ok(node.left, budget, depth + 1)
        )
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_literal_ok(e, budget, depth + 1) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _literal_ok(k, budget, depth + 1) for k in node.keys) and all(
            _literal_ok(v, budget, depth + 1) for v in node.values
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id == "set" and not node.args:
            return True
        if node.func.id == "float" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
            return str(node.args[0].value).lower() in ("nan", "inf", "-inf")
    return False


def is_literal_repr(text: str, max_chars: int = 100_000) -> bool:
    """True if `text` is a Python literal that `parse_literal` accepts (ast only; never executes)."""
    if not isinstance(text, str) or len(text) > max_chars:
        return False
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return _literal_ok(node, [_MAX_NODES], 0)
