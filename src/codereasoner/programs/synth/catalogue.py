"""Stage 2 (programs/synth): ExecVerify's seed catalogue of (type, method) pairs, with argument recipes.

ExecVerify (docs/data.md, repo `data/methods/*.txt`) seeds program synthesis with 186 pairs: str 65, set 33,
list 29, dict 19, tuple 18, float 17 and one each for enumerate, filter, range, reversed and zip. Its LLM
decides how to call each one; here every pair has one or more *templates*, written so that the call is
well-typed and rarely raises on inputs from `inputs.py`.

Template language: `$r` is the receiver, the other `$slot`s are filled by the grammar (see `SLOTS`).
Type tags: S str, I int, F float, B bool, L list[int], W list[str], D dict[str, int], E set[int],
T tuple[int], Y bytes, A anything (only returned or collected). `Q` is "list of int or of str" (resolved per
use), `e` is Q's element type. Result `-` marks a statement that mutates `$r` in place; a trailing `!` marks
an expression that also mutates `$r` (e.g. `list.pop`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Slot name → what the grammar puts there (the grammar's `fill_slot` implements each one).
SLOTS = {
    "r": "the receiver",
    "r2": "another value of the receiver's type (never the accumulator, so nothing doubles in a loop)",
    "str": "a short string literal or str variable",
    "sub": "a 1-2 character string literal or str variable",
    "char": "a one-character string literal",
    "chars": "a 1-3 character string literal",
    "int": "a small int literal or int variable",
    "small": "an int literal 1..3",
    "idx": "an index literal (0, 1, -1)",
    "span": "a slice 'a:b' with small literal bounds",
    "part": "a partition index (0, 2, -1)",
    "width": "a width literal 4..12 or int variable",
    "wlit": "a width literal 4..12",
    "elem": "an element of the receiver's element type",
    "key": "a dict key: short string literal or str variable",
    "list": "a list[int] value",
    "float": "a positive float literal (multiple of 0.25)",
}

_SLOT = re.compile(r"\$([a-z]+2?)")


@dataclass(frozen=True, slots=True)
class Op:
    """One way to exercise `type.method`."""

    type: str  # ExecVerify's type file name: str list dict set tuple float enumerate filter range reversed zip
    method: str  # the line of that file
    recv: str  # type tag of `$r`
    result: str  # type tag of the value, or "-" for a mutating statement
    template: str
    mutates: bool  # changes `$r` in place ($r must then be a variable)
    slots: tuple[str, ...]
    key: str = ""  # "type.method"

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.type}.{self.method}")

    @property
    def grows(self) -> bool:
        """Repeating it on its own result can grow without bound (kept out of loop accumulators)."""
        return "*" in self.template or self.method in ("+", "extend", "|=", "update", "join")

    @property
    def imports(self) -> tuple[str, ...]:
        return ("math",) if "math." in self.template else ()


_TABLE = {
    "str": r"""
+ | S | S | $r + $str
in | S | B | $sub in $r
not in | S | B | $sub not in $r
== | S | B | $r == $r[::-1]
== | S | B | $r == $str
str.format | S | S | str.format('{}{}', $r, $str)
format() | S | S | format($r, '>$wlit')
format() | S | S | format($r, '*^$wlit')
>= | S | B | $r >= $str
[index] | S | S | $r[$idx]
[:] | S | S | $r[:]
[:] | S | S | $r[::-1]
[index1:index2] | S | S | $r[$span]
[index:] | S | S | $r[$small:]
[:index2] | S | S | $r[:$small]
> | S | B | $r > $str
<= | S | B | $r <= $str
< | S | B | $r < $str
len() | S | I | len($r)
* | S | S | $r * $small
!= | S | B | $r != $str
capitalize | S | S | $r.capitalize()
casefold | S | S | $r.casefold()
center | S | S | $r.center($width, $char)
count | S | I | $r.count($sub)
encode | S | Y | $r.encode()
encode | S | Y | $r.encode('utf-8')
endswith | S | B | $r.endswith($sub)
endswith | S | B | $r.endswith(($sub, $char))
expandtabs | S | S | $r.expandtabs($small)
expandtabs | S | S | ($r + '\t' + $str).expandtabs($small)
find | S | I | $r.find($sub)
find | S | I | $r.find($sub, $small)
format | S | S | '{}-{}'.format($r, $str)
format | S | S | '{0}{1}{0}'.format($r, $int)
format_map | S | S | '{a}:{b}'.format_map({'a': $r, 'b': $int})
index | S | I | $r.index($r[$idx])
isalnum | S | B | $r.isalnum()
isalpha | S | B | $r.isalpha()
isascii | S | B | $r.isascii()
isdecimal | S | B | $r.isdecimal()
isdigit | S | B | $r.isdigit()
isidentifier | S | B | $r.isidentifier()
islower | S | B | $r.islower()
isnumeric | S | B | $r.isnumeric()
isprintable | S | B | $r.isprintable()
isspace | S | B | $r.isspace()
istitle | S | B | $r.istitle()
isupper | S | B | $r.isupper()
join | S | S | $char.join($r)
join | W | S | $chars.join($r)
ljust | S | S | $r.ljust($width, $char)
lower | S | S | $r.lower()
lstrip | S | S | $r.lstrip()
lstrip | S | S | $r.lstrip($chars)
maketrans | S | S | $r.translate(str.maketrans($char, $char))
maketrans | S | S | $r.translate(str.maketrans('', '', $chars))
partition | S | A | $r.partition($char)
partition | S | S | $r.partition($char)[$part]
removeprefix | S | S | $r.removeprefix($sub)
removeprefix | S | S | $r.removeprefix($r[:$small])
removesuffix | S | S | $r.removesuffix($sub)
removesuffix | S | S | $r.removesuffix($r[-$small:])
replace | S | S | $r.replace($sub, $str)
replace | S | S | $r.replace($char, $char, $small)
rfind | S | I | $r.rfind($sub)
rindex | S | I | $r.rindex($r[$idx])
rjust | S | S | $r.rjust($width, $char)
rpartition | S | A | $r.rpartition($char)
rpartition | S | S | $r.rpartition($char)[$part]
rsplit | S | W | $r.rsplit($char, $small)
rsplit | S | W | $r.rsplit()
rstrip | S | S | $r.rstrip($chars)
rstrip | S | S | $r.rstrip()
split | S | W | $r.split($char)
split | S | W | $r.split()
splitlines | S | W | $r.splitlines()
splitlines | S | W | ($r + '\n' + $str).splitlines()
startswith | S | B | $r.startswith($sub)
strip | S | S | $r.strip($chars)
strip | S | S | $r.strip()
swapcase | S | S | $r.swapcase()
title | S | S | $r.title()
translate | S | S | $r.translate({ord($char): $str})
translate | S | S | $r.translate(str.maketrans($char, $char))
upper | S | S | $r.upper()
zfill | S | S | $r.zfill($width)
""",
    "list": r"""
+ | Q | Q | $r + $r2
[index] | Q | e | $r[$idx]
[:] | Q | Q | $r[:]
[:] | Q | Q | $r[::-1]
[index1:index2] | Q | Q | $r[$span]
[index:] | Q | Q | $r[$small:]
[:index2] | Q | Q | $r[:$small]
in | Q | B | $elem in $r
not in | Q | B | $elem not in $r
== | Q | B | $r == $r2
== | Q | B | $r == sorted($r)
>= | Q | B | $r >= $r2
> | Q | B | $r > $r2
<= | Q | B | $r <= $r2
< | Q | B | $r < $r2
*= | Q | - | $r *= $small
len | Q | I | len($r)
* | Q | Q | $r * $small
!= | Q | B | $r != $r2
reversed | Q | Q | list(reversed($r))
append | Q | - | $r.append($elem)
clear | Q | - | $r.clear()
copy | Q | Q | $r.copy()
count | Q | I | $r.count($elem)
extend | Q | - | $r.extend($r2)
index | Q | I | $r.index($r[$idx])
insert | Q | - | $r.insert($small, $elem)
pop | Q | e! | $r.pop()
pop | Q | e! | $r.pop(0)
remove | Q | - | $r.remove($r[$idx])
reverse | Q | - | $r.reverse()
sort | Q | - | $r.sort()
sort | Q | - | $r.sort(reverse=True)
""",
    "dict": r"""
in | D | B | $key in $r
not in | D | B | $key not in $r
== | D | B | $r == $r2
dict[key] | D | I | $r[$key]
len | D | I | len($r)
!= | D | B | $r != $r2
| | D | D | $r | $r2
| | D | D | $r | {$key: $int}
dict[key] = value | D | - | $r[$key] = $int
dict[key] = value | D | - | $r[$key] = $r.get($key, 0) + $small
clear | D | - | $r.clear()
copy | D | D | $r.copy()
fromkeys | S | D | dict.fromkeys($r, $int)
fromkeys | W | D | dict.fromkeys($r, $int)
get | D | I | $r.get($key, $int)
items | D | A | list($r.items())
items | D | A | sorted($r.items())
keys | D | W | list($r.keys())
pop | D | I! | $r.pop($key, $int)
popitem | D | A! | $r.popitem()
setdefault | D | I! | $r.setdefault($key, $int)
update | D | - | $r.update($r2)
update | D | - | $r.update({$key: $int})
values | D | L | list($r.values())
values | D | I | sum($r.values())
""",
    "set": r"""
& | E | E | $r & $r2
in | E | B | $elem in $r
not in | E | B | $elem not in $r
== | E | B | $r == $r2
>= | E | B | $r >= $r2
> | E | B | $r > $r2
&= | E | - | $r &= $r2
|= | E | - | $r |= $r2
-= | E | - | $r -= $r2
^= | E | - | $r ^= $r2
<= | E | B | $r <= $r2
len | E | I | len($r)
< | E | B | $r < $r2
!= | E | B | $r != $r2
- | E | E | $r - $r2
^ | E | E | $r ^ $r2
add | E | - | $r.add($elem)
clear | E | - | $r.clear()
copy | E | E | $r.copy()
difference | E | E | $r.difference($r2)
difference_update | E | - | $r.difference_update($r2)
discard | E | - | $r.discard($elem)
intersection | E | E | $r.intersection($r2)
intersection_update | E | - | $r.intersection_update($r2)
isdisjoint | E | B | $r.isdisjoint($r2)
issubset | E | B | $r.issubset($r2)
issuperset | E | B | $r.issuperset($r2)
pop | E | I! | $r.pop()
remove | E | - | $r.remove(max($r))
symmetric_difference | E | E | $r.symmetric_difference($r2)
symmetric_difference_update | E | - | $r.symmetric_difference_update($r2)
union | E | E | $r.union($r2)
update | E | - | $r.update($r2)
""",
    "tuple": r"""
+ | T | T | $r + $r2
[index] | T | I | $r[$idx]
[:] | T | T | $r[:]
[:] | T | T | $r[::-1]
[index1:index2] | T | T | $r[$span]
[index:] | T | T | $r[$small:]
[:index2] | T | T | $r[:$small]
in | T | B | $elem in $r
not in | T | B | $elem not in $r
== | T | B | $r == $r2
>= | T | B | $r >= $r2
> | T | B | $r > $r2
<= | T | B | $r <= $r2
< | T | B | $r < $r2
len | T | I | len($r)
* | T | T | $r * $small
!= | T | B | $r != $r2
count | T | I | $r.count($elem)
index | T | I | $r.index($r[$idx])
""",
    "float": r"""
+ | F | F | $r + $float
bool() | F | B | bool($r)
math.ceil() | F | I | math.ceil($r)
divmod | F | A | divmod($r, $float)
math.floor() | F | I | math.floor($r)
>= | F | B | $r >= $float
> | F | B | $r > $float
< | F | B | $r < $float
<= | F | B | $r <= $float
- | F | F | $r - $float
int() | F | I | int($r)
% | F | F | $r % $float
!= | F | B | $r != $float
round | F | I | round($r)
round | F | F | round($r, 1)
as_integer_ratio | F | A | $r.as_integer_ratio()
conjugate | F | F | $r.conjugate()
is_integer | F | B | $r.is_integer()
""",
    "enumerate": r"""
enumerate | Q | A | list(enumerate($r))
enumerate | S | A | list(enumerate($r))
enumerate | L | L | [i * x for i, x in enumerate($r)]
""",
    "filter": r"""
filter | L | L | list(filter(lambda x: x > $int, $r))
filter | S | S | ''.join(filter(str.isalpha, $r))
filter | W | W | list(filter(None, $r))
""",
    "range": r"""
range | I | L | list(range($r))
range | I | I | sum(range($small, $r))
""",
    "reversed": r"""
reversed | S | S | ''.join(reversed($r))
reversed | Q | Q | list(reversed($r))
""",
    "zip": r"""
zip | Q | A | list(zip($r, $r2))
zip | W | D | dict(zip($r, $list))
zip | S | A | list(zip($r, $r2))
""",
}


# How often Python code exercises each pair: seeds (and extra methods) are drawn with these weights, so the
# method mix looks like real code's, not ExecVerify's uniform cycle. Method weights follow how often
# functions in CRUXEval call each method (frequencies only: no function is copied), spread over the types
# that have the method; operators, slicing and builtins get common-sense weights. Unlisted pairs weigh
# `_RARE` (set algebra, float methods, is*-predicates nobody writes): kept, so every pair still appears.
_USAGE = """
str.join 40  list.append 22  str.replace 38  list.pop 30  dict.pop 6  set.pop 1  str.split 22  str.rsplit 5
str.count 12  list.count 8  tuple.count 2  str.lower 22  str.index 8  list.index 10  tuple.index 2
dict.items 14  list.insert 18  list.copy 8  dict.copy 6  set.copy 1  list.reverse 14  str.find 16
str.upper 15  str.startswith 14  list.clear 6  dict.clear 4  set.clear 1  str.isdigit 10  list.sort 10
list.remove 10  set.remove 1  dict.popitem 9  list.extend 7  str.endswith 8  str.isupper 7  str.rfind 7
str.rindex 7  dict.get 7  str.removeprefix 6  str.islower 6  dict.update 6  set.update 1  str.strip 6
str.rpartition 6  dict.fromkeys 6  str.rstrip 6  dict.keys 6  str.isascii 5  str.ljust 5  str.splitlines 5
str.isdecimal 4  str.isnumeric 4  str.isalpha 5  dict.values 5  str.swapcase 5  str.format 4  str.partition 5
str.maketrans 4  str.translate 4  str.isalnum 4  str.isspace 4  str.center 3  str.encode 3  str.title 3
str.capitalize 3  str.zfill 3  str.istitle 3  str.expandtabs 2  str.rjust 2  str.casefold 2  str.lstrip 2
str.removesuffix 2  dict.setdefault 2  set.add 2  set.discard 1
str.+ 12  str.in 8  str.[index] 8  str.[:] 6  str.[index1:index2] 6  str.[index:] 6  str.[:index2] 6
str.len() 8  str.* 3  str.== 2  str.!= 2  list.+ 6  list.[index] 8  list.[:] 5  list.[index1:index2] 5
list.[index:] 5  list.[:index2] 5  list.in 6  list.not in 3  list.len 8  list.reversed 3  list.* 2
dict.in 6  dict.not in 3  dict.dict[key] 8  dict.dict[key] = value 8  dict.len 4  tuple.[index] 3
tuple.in 2  tuple.len 2  tuple.+ 2  enumerate.enumerate 6  range.range 6  zip.zip 4  reversed.reversed 3
filter.filter 2  float.round 2  float.int() 2  str.format() 1  str.not in 3
"""
_RARE = 0.6
USAGE: dict[str, float] = {k: float(v) for k, v in re.findall(r"(\S(?:.*?\S)?) (\d+(?:\.\d+)?)(?= {2}|\n)", _USAGE)}


def weight(pair: str) -> float:
    """How often real code uses `pair`, relative to the other catalogue pairs."""
    return USAGE.get(pair, _RARE)


def _parse() -> tuple[Op, ...]:
    ops = []
    for type_name, block in _TABLE.items():
        for line in block.strip().splitlines():
            # the dict `|` operator is itself a cell: split on " | " from the right, three times
            if line.startswith("| "):  # the dict `|` operator: its name is the separator
                method, (recv, result, template) = "|", line[4:].split(" | ", 2)
            else:
                method, recv, result, template = line.split(" | ", 3)
            result = result.strip()
            ops.append(
                Op(
                    type=type_name,
                    method=method.strip(),
                    recv=recv.strip(),
                    result=result.rstrip("!"),
                    template=template.strip(),
                    mutates=result == "-" or result.endswith("!"),
                    slots=tuple(_SLOT.findall(template)),
                )
            )
    return tuple(ops)


OPS: tuple[Op, ...] = _parse()
PAIRS: tuple[str, ...] = tuple(dict.fromkeys(op.key for op in OPS))  # "type.method", catalogue order
BY_PAIR: dict[str, tuple[Op, ...]] = {p: tuple(o for o in OPS if o.key == p) for p in PAIRS}
TYPES: tuple[str, ...] = tuple(_TABLE)

