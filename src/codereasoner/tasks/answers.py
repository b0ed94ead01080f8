"""Tasks stage: answer extraction and literal parsing — model output is data and is never executed.

`parse_literal` turns answer text into a Python value with `ast` (bounded size and depth); `same_value`
compares values by type and value, recursively; `literal_source` writes a parsed value back as source
that `parse_literal` reads again (so a checker can hand the executor the *value*, never the model's text).
The CRUXEval helpers split `assert f(...) == ...` at the top-level `==` token, so `==` inside strings is safe.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
import warnings
from typing import Any, Literal, overload

# Bounds on what the parser will look at. Benchmark answers are short (CRUXEval outputs < 200 chars,
# REval states < 1 KB); these leave room for generous training data but stop a model from making the
# verifier spend seconds or gigabytes on one answer.
MAX_LITERAL_CHARS = 100_000
MAX_LITERAL_NODES = 20_000
MAX_LITERAL_DEPTH = 64

_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "+inf": math.inf,
                "infinity": math.inf, "-infinity": -math.inf, "+infinity": math.inf}


@overload
def parse_source(text: str, mode: Literal["eval"] = "eval") -> ast.Expression: ...
@overload
def parse_source(text: str, mode: Literal["exec"]) -> ast.Module: ...
def parse_source(text: str, mode: str = "eval") -> ast.AST:
    """`ast.parse` of model text without SyntaxWarnings: `1abc` in an answer is data, not our code to warn about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(text, mode=mode)


def parse_literal(text: str) -> Any:
    """The value of a Python literal; raises ValueError for anything else. Never executes code.

    Allowed: numbers (incl. complex and unary +/-), strings, bytes, None, True/False, tuples, lists,
    dicts, sets, `set()`, `frozenset(...)`, `float('nan'|'inf'|'-inf')`.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a string, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise ValueError("empty answer")
    if len(text) > MAX_LITERAL_CHARS:
        raise ValueError(f"answer longer than {MAX_LITERAL_CHARS} characters")
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as e:
        raise ValueError(f"not a Python literal: {type(e).__name__}") from None
    budget = [MAX_LITERAL_NODES]
    try:
        return _value(tree.body, 0, budget)
    except RecursionError:
        raise ValueError("literal nested too deeply") from None
    except (TypeError, OverflowError) as e:  # unhashable dict key / set element, huge numbers
        raise ValueError(f"not a valid literal: {e}") from None


def _value(node: ast.AST, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"literal has more than {MAX_LITERAL_NODES} parts")
    if depth > MAX_LITERAL_DEPTH:
        raise ValueError(f"literal nested deeper than {MAX_LITERAL_DEPTH}")
    d = depth + 1
    if isinstance(node, ast.Constant):
        if node.value is Ellipsis:
            raise ValueError("'...' is not an answer")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand, d, budget)
        if isinstance(operand, bool) or not isinstance(operand, (int, float, complex)):
            raise ValueError("unary minus applies to numbers only")
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        # Only the shape repr() gives complex numbers: (real ± imag j).
        left, right = _value(node.left, d, budget), _value(node.right, d, budget)
        if (isinstance(left, (int, float)) and not isinstance(left, bool)
                and isinstance(right, complex) and isinstance(node.right, ast.Constant)):
            return left + right if isinstance(node.op, ast.Add) else left - right
        raise ValueError("arithmetic is not a literal")
    if isinstance(node, ast.Tuple):
        return tuple(_value(e, d, budget) for e in node.elts)
    if isinstance(node, ast.List):
        return [_value(e, d, budget) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_value(e, d, budget) for e in node.elts}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("'**' is not allowed in a literal")
        return {_value(k, d, budget): _value(v, d, budget) for k, v in zip(node.keys, node.values) if k is not None}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name == "set" and not args:
            return set()
        if name == "frozenset" and len(args) <= 1:
            inner = _value(args[0], d, budget) if args else ()
            if not isinstance(inner, (set, list, tuple, frozenset)):
                raise ValueError("frozenset() takes a literal collection")
            return frozenset(inner)
        if name == "float" and len(args) == 1 and isinstance(args[0], ast.Constant):
            word = args[0].value
            if isinstance(word, str) and word.strip().lower() in _FLOAT_WORDS:
                return _FLOAT_WORDS[word.strip().lower()]
        raise ValueError(f"call to {name}() is not a literal")
    raise ValueError(f"{type(node).__name__} is not a literal")


def same_value(a: Any, b: Any, *, float_tol: float = 0.0) -> bool:
    """Equal by type and value, recursively: 1 != 1.0 != True, (1,) != [1], nan == nan, dict order ignored."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or (float_tol > 0 and abs(a - b) <= float_tol)
    if isinstance(a, complex):
        return same_value(a.real, b.real, float_tol=float_tol) and same_value(a.imag, b.imag, float_tol=float_tol)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y, float_tol=float_tol) for x, y in zip(a, b))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        b_keys = {k: k for k in b}  # equal keys hash alike: this finds b's own key object for a's key
        for k, v in a.items():
            if k not in b_keys or not same_value(k, b_keys[k]):
                return False
            if not same_value(v, b[k], float_tol=float_tol):
                return False
        return True
    if isinstance(a, (set, frozenset)):
        if len(a) != len(b):
            return False
        b_items = {x: x for x in b}
        return all(x in b_items and same_value(x, b_items[x]) for x in a)
    return bool(a == b)


def python_equal(a: Any, b: Any) -> bool:
    """Python's `==` on two values `parse_literal` made (builtins only, so `==` runs no user code): what an
    executed `assert f(x) == y` tests, e.g. 1 == 1.0 == True. `same_value` is the strict, type-exact rule."""
    try:
        return bool(a == b)
    except (RecursionError, TypeError, ValueError):
        return False


def literal_source(value: Any) -> str:
    """Source text for a literal value that `parse_literal` reads back to the same value."""
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "float('-inf')"
        return repr(value)
    if isinstance(value, complex):
        if not all(math.isfinite(p) for p in (value.real, value.imag)):
            raise ValueError("complex numbers with nan/inf parts have no literal form")
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(literal_source(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal_source(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal_source(k)}: {literal_source(v)}" for k, v in value.items()) + "}"
    if isinstance(value, frozenset):
        return f"frozenset({literal_source(set(value))})" if value else "frozenset()"
    if isinstance(value, set):
        return "{" + ", ".join(literal_source(v) for v in value) + "}" if value else "set()"
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return repr(value)
    raise ValueError(f"{type(value).__name__} has no literal form")


# ------------------------------------------------------------------------------------------------
# Extraction from model text.

_FENCE = re.compile(r"```[a-zA-Z0-9_+-]*\n?(.*?)(?:```|$)", re.S)


def extract_tag(text: str, tag: str) -> str | None:
    """Content of the last `<tag>`…`</tag>` (to the end if the close tag was cut by a stop word), stripped."""
    open_tag, close_tag = f"<{tag}>", f"</{tag}>"
    start = text.rfind(open_tag)
    if start < 0:
        return None
    body = text[start + len(open_tag):]
    end = body.find(close_tag)
    return (body if end < 0 else body[:end]).strip()


def extract_tags(text: str, tag: str) -> list[str]:
    """Contents of every closed `<tag>`…`</tag>` block, in order, stripped."""
    return [m.strip() for m in re.findall(rf"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", text, re.S)]


def strip_fences(text: str) -> str:
    """The inside of the first ``` fenced block, or the text itself."""
    m = _FENCE.search(text)
    return m.group(1).strip() if m else text.strip()


def extract_answer_block(text: str) -> str | None:
    """Text after the first `[ANSWER]`, up to `[/ANSWER]` (or a cut-off `[/ANSWER`), stripped."""
    start = text.find("[ANSWER]")
    if start < 0:
        return None
    body = text[start + len("[ANSWER]"):]
    for stop in ("[/ANSWER]", "[/ANSWER"):
        cut = body.find(stop)
        if cut >= 0:
            body = body[:cut]
    return body.strip()


def split_assertion(text: str) -> tuple[str, str] | None:
    """(left, right) source of `assert LEFT == RIGHT`, split at the top-level `==` token; None if absent.

    Uses `ast` when the statement parses and `tokenize` when it does not, so `==` inside string
    literals or brackets never splits (the official CRUXEval `split("==")` does split there).
    """
    text = text.strip()
    m = re.search(r"(?m)^\s*assert\b", text)
    stmt = text[m.start():].strip() if m else text
    body = stmt[len("assert"):] if stmt.startswith("assert") else stmt
    # The whole rest, then just its first line (trailing chatter after the assertion); ast before tokenize.
    first_line = body.split("\n", 1)[0]
    for split, candidate in ((_split_ast, body), (_split_ast, first_line), (_split_tokens, first_line),
                             (_split_tokens, body)):
        parts = split(candidate)
        if parts is not None:
            return parts
    return None


def _split_ast(body: str) -> tuple[str, str] | None:
    try:
        tree = parse_source(body.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    node = tree.body
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        src = body.strip()
        left = ast.get_source_segment(src, node.left)
        right = ast.get_source_segment(src, node.comparators[0])
        if left is not None and right is not None:
            return left.strip(), right.strip()
    return None


def _split_tokens(body: str) -> tuple[str, str] | None:
    depth = 0
    lines = body.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    try:
        for tok in tokenize.generate_tokens(io.StringIO(body).readline):
            if tok.type != tokenize.OP:
                continue
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
            elif tok.string == "==" and depth == 0:
                pos = offsets[tok.start[0] - 1] + tok.start[1]
                return body[:pos].strip(), body[pos + 2:].strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return None


def answer_region(text: str) -> str:
    """Where the answer is: `[ANSWER]` block, else last `<answer>` block, else the text; fences removed."""
    block = extract_answer_block(text)
    if block is None:
        block = extract_tag(text, "answer")
    if block is None:
        block = text
    return strip_fences(block)


def output_answer(text: str) -> str:
    """The predicted output's source from a completion: the right side of `assert … == X`, or the text."""
    region = answer_region(text)
    parts = split_assertion(region) if "==" in region else None
    return parts[1] if parts else region.strip()


def input_answer(text: str, func: str = "f") -> str:
    """The predicted call `f(...)` (or bare arguments) from a completion: the left side of the assertion."""
    region = answer_region(text)
    if "==" in region:
        parts = split_assertion(region)
        if parts:
            region = parts[0]
    region = region.strip()
    if region.startswith("assert "):
        region = region[len("assert "):].strip()
    return region


def parse_call_args(text: str, func: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Literal (args, kwargs) of `func(...)`, or of bare arguments `a, b`; ValueError otherwise."""
    text = text.strip()
    if len(text) > MAX_LITERAL_CHARS:
        raise ValueError(f"answer longer than {MAX_LITERAL_CHARS} characters")
    source = text if re.match(rf"^{re.escape(func)}\s*\(", text) else f"{func}({text})"
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        raise ValueError(f"not a call with literal arguments: {type(e).__name__}") from None
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == func):
        raise ValueError(f"expected a call to {func}(...)")
    budget = [MAX_LITERAL_NODES]
    try:
        args = tuple(_value(a, 0, budget) for a in call.args)
        kwargs = {}
        for kw in call.keywords:
            if kw.arg is None:
                raise ValueError("'**' is not allowed in an answer")
            kwargs[kw.arg] = _value(kw.value, 0, budget)
    except RecursionError:
        raise ValueError("literal nested too deeply") from None
    except (TypeError, OverflowError) as e:
        raise ValueError(f"not a valid literal: {e}") from None
    return args, kwargs


def call_source(func: str, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> str:
    """`func(<args as literal source>)`: what the checker runs instead of the model's text."""
    parts = [literal_source(a) for a in args]
    parts += [f"{k}={literal_source(v)}" for k, v in (kwargs or {}).items()]
    return f"{func}({', '.join(parts)})"


# ------------------------------------------------------------------------------------------------
# The official CRUXEval extraction, quirks included (docs/scoring.md), for `official` scoring only.


def cruxeval_official_output(generation: str, *, cot: bool) -> str:
    """inference/tasks/output_prediction.py: `[ANSWER]` split (CoT), then text between first and second `==`."""
    g = generation
    if cot and "[ANSWER]" in g:
        g = g.split("[ANSWER]")[1].strip()
    if "==" in g:
        g = g.split("==")[1].strip()
    return g.strip()


def cruxeval_official_input(generation: str, *, cot: bool) -> str:
    """inference/tasks/input_prediction.py: `[ANSWER]` split (CoT), left of `==`, then `"f" + after "assert f"`."""
    g = generation
    if cot and "[ANSWER]" in g:
        g = g.split("[ANSWER]")[1].strip()
    if "==" in g:
        g = g.split("==")[0].strip()
    if "assert f" in g:
        g = "f" + g.split("assert f")[1].strip()
    return g.strip()
