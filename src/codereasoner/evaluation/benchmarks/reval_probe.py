"""REval's runtime probe: runs INSIDE the engine's untrusted sandbox, never in the framework's process.

Its source text is the `code` of a `CallJob` (reval_truth.py), so it uses the stdlib alone and imports
nothing from codereasoner. It re-implements, from their rules (r-eval/REval @ 2f148b9, dynamics.py and
evaluation.py; docs/scoring.md), how REval observes a program and judges the answers that must execute:

- `_reval_truth(spec)`: load the program as REval does (HumanEval: the function, called on the input
  tuple; ClassEval: the class and its test file, the `input_idx`-th `<Class>Test*` TestCase, `setUp()`,
  then its first test method), trace it with `sys.settrace` on frames of code compiled as `<internals>`
  (a deep copy of the locals at every line event, consecutive events on one line merged into one state),
  and return per asked atom the coverage, the next lines and the state values (repr, type, and a
  literal projection the parent can compare without running anything).
- `_reval_state(lineno, var, answer)`: REval's official state check (on the pair traced into `_STATES`): the answer is parsed by
  REval's `_postprocess` (which evaluates it, `pydoc.locate`s the type, calls its constructor) and compared
  with the traced values by REval's `_eq`.
- `_reval_output(answer)`: REval's official output check (of the pair in `_SPEC`): HumanEval `exec(answer)` with the function
  in scope; ClassEval the answer as a test method (`assert` → `self.assert`, tab-indented outside
  triple-quoted strings) attached to the test class, then `setUp()` and the method.
"""

import ast as _ast
import copy as _copy
import itertools as _itertools
import re as _re
import sys as _sys
import typing as _typing

_FILENAME = "<internals>"  # REval's Factory.filename(): only frames of this code are traced
_REPR_CAP = 20_000


class _NilType:
    """REval's `Nil`: "no value" where None is a value."""

    def __repr__(self):
        return "Nil"


_NIL = _NilType()


class _Sink:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


class _States:
    """REval's States: one state per run of line events on the same line number, in order."""

    def __init__(self, codelines):
        self.lines = []  # 0-based line number of each state
        self.locals = []  # the locals seen at its (last) line event
        self.codelines = codelines

    def add(self, line, event, value):
        if not self.lines or self.lines[-1] != line:
            self.lines.append(line)
            self.locals.append({})
        if event == "locals":
            self.locals[-1] = value

    def covered(self, line):
        return line in self.lines

    def next_lines(self, line):
        if not self.covered(line):
            return {-1}
        n = len(self.lines)
        return {self.lines[i + 1] if i + 1 < n else -1 for i, x in enumerate(self.lines) if x == line}

    def after(self, line):
        """The state after each execution of `line` (the next state; the same one when it is the last)."""
        n = len(self.lines)
        return [self.locals[i + 1] if i + 1 < n else self.locals[i] for i, x in enumerate(self.lines) if x == line]

    def local(self, line, name):
        found = [s[name] for s in self.after(line) if name in s]
        return found if found else _NIL


def _skip(value):
    name = value.__class__.__name__
    if name in ("module", "function", "builtin_function_or_method"):
        return True
    return isinstance(value, (_typing.Iterator, _typing.Generator))


def _tracer(states):
    def local_trace(frame, event, arg):
        if event == "line":
            snapshot = {k: _copy.deepcopy(v) for k, v in frame.f_locals.items() if not _skip(v)}
            states.add(frame.f_lineno - 1, "locals", snapshot)
        elif event in ("return", "exception"):
            states.add(frame.f_lineno - 1, event, arg)

    def global_trace(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == _FILENAME:
            return local_trace
        return None

    return global_trace


def _first_test(cls):
    """REval's tcls_postprocess: the first `test*` method of the class, in definition order."""
    names = [k for k in cls.__dict__ if k.startswith("test")]
    if not names:
        raise ValueError(f"no test methods in {cls.__name__}")
    return names[0]


def _load(spec, instantiate=True):
    """(globals, the traced call, the TestCase class) for one (program, input) pair, loaded as REval does;
    `instantiate=False` leaves the TestCase alone (the output check makes and sets up its own)."""
    g: dict[str, _typing.Any] = {"__name__": "dynamics", "__builtins__": __builtins__}  # what the program defined
    exec(compile(spec["code"], _FILENAME, "exec"), g)
    if spec["humaneval"]:
        fn = g[spec["entry"]]
        args = eval(spec["input"], g)
        return g, (lambda: fn(*args)), None
    import unittest

    exec(compile(spec["test"], "<dreval-test>", "exec"), g)
    pattern = spec["entry"] + "Test.*"
    classes = [v for k, v in list(g.items())
               if isinstance(v, type) and _re.match(pattern, k) and issubclass(v, unittest.TestCase)]
    test_cls = classes[spec["input_idx"]]
    if not instantiate:
        return g, None, test_cls
    obj = test_cls()
    obj.setUp()
    return g, getattr(obj, _first_test(test_cls)), test_cls


def _trace(spec):
    g, call, _ = _load(spec)
    states = _States(spec["code"].split("\n"))
    out, err = _sys.stdout, _sys.stderr
    _sys.stdout = _sys.stderr = _Sink()  # REval's swallow_io
    try:
        _sys.settrace(_tracer(states))
        call()
    finally:
        _sys.settrace(None)
        _sys.stdout, _sys.stderr = out, err
    return states


def _interpret(states, line, name):
    """REval's VarInterpreter: Name / Attribute / Subscript / Tuple / Constant over the states after `line`."""
    if not states.covered(line):
        return _NIL

    def node_values(node):
        if isinstance(node, _ast.Constant):
            return [node.value]
        if isinstance(node, _ast.Name):
            return states.local(line, node.id)
        if isinstance(node, _ast.Attribute):
            objs = node_values(node.value)
            if objs is _NIL:
                return _NIL
            res = [getattr(o, node.attr) for o in objs if hasattr(o, node.attr)]
            return res if res else _NIL
        if isinstance(node, _ast.Subscript):
            arr, idx = node_values(node.value), node_values(node.slice)
            if arr is _NIL or idx is _NIL:
                return _NIL
            res = []
            for a, i in _itertools.product(arr, idx):
                try:
                    res.append(a[i])
                except (TypeError, KeyError, IndexError):
                    pass
            return res if res else _NIL
        if isinstance(node, _ast.Tuple):
            elts = [node_values(n) for n in node.elts]
            if any(e is _NIL for e in elts):
                return _NIL
            return list(_itertools.product(*elts))
        return ValueError(f"Unsupported node type: {node}")  # returned, not raised, as REval does

    try:
        tree = _ast.parse(name)
        return node_values(tree.body[0].value)
    except Exception:
        return _NIL


_EXACT = (int, float, str, bool, type(None), list, tuple, dict, set, frozenset, bytes, bytearray, complex)


def _type_name(value):
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _project(value, depth=0):
    """The value as builtins the parent can compare with a literal answer: exact builtin types as they are
    (their items projected too); a deque as its list, a numpy scalar as its Python number, an array as
    nested lists, a bs4 string or a datetime as str; anything else as is (the parent's codec turns it into a
    marker that equals nothing)."""
    t = type(value)
    if depth > 50:
        return value
    if t is list or t is tuple:
        return t(_project(v, depth + 1) for v in value)
    if t is dict:
        return {_project(k, depth + 1): _project(v, depth + 1) for k, v in value.items()}
    if t is set or t is frozenset:
        return t(_project(v, depth + 1) for v in value)
    if t in _EXACT:
        return value
    module = t.__module__
    try:
        if t.__name__ == "deque" and module == "collections":
            return [_project(v, depth + 1) for v in value]
        if module == "numpy" and hasattr(value, "tolist"):
            return value.tolist()
        if module.startswith("bs4") and isinstance(value, str):
            return str(value)
        if module == "datetime" and t.__name__ in ("datetime", "date", "time"):
            return str(value)  # the text REval's answers give it (it parses them with dateutil)
    except Exception:
        pass
    return value


def _safe_repr(value):
    try:
        text = repr(value)
    except Exception as e:
        return f"<repr failed: {type(e).__name__}>"
    return text if len(text) <= _REPR_CAP else text[:_REPR_CAP] + "…"


def _reval_truth(spec):
    """Coverage, next lines and state values of every atom of one pair (see the module docstring)."""
    states = _trace(spec)
    atoms = []
    for lineno, var in spec["atoms"]:
        line = lineno - 1
        values = _interpret(states, line, var)
        if values is _NIL:
            state = None
        elif isinstance(values, list):
            state = [{"repr": _safe_repr(v), "type": _type_name(v), "value": _project(v)} for v in values]
        else:  # REval's interpreter returned an error object for an unsupported expression
            state = [{"repr": _safe_repr(values), "type": _type_name(values), "value": None}]
        atoms.append({"lineno": lineno, "var": var, "coverage": states.covered(line),
                      "next_lines": sorted(x + 1 if x != -1 else -1 for x in states.next_lines(line)),
                      "state": state})
    return {"atoms": atoms}


# ---------------------------------------------------------------- REval's official answer checks
def _evaluation_names(text):
    """What REval's evaluation.py module has in scope where it evaluates answers (numpy and pandas only
    when the answer names them: importing pandas takes a sandbox a second)."""
    import datetime
    import json
    import os
    from pydoc import locate

    names = {"re": _re, "json": json, "os": os, "sys": _sys, "datetime": datetime.datetime, "locate": locate,
             "Nil": _NIL}
    for short, module in (("np", "numpy"), ("pd", "pandas")):
        if _re.search(rf"\b{short}\b", text):
            try:
                names[short] = __import__(module)
            except ImportError:
                pass
    return names


def _parse_state(resp):
    """REval's State._postprocess after extraction: (value, type), Nil, or "ERROR"."""
    from pydoc import locate

    resp = resp.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').strip()
    if resp.capitalize() == "Nil" or resp == "[Nil]":
        return _NIL
    semicolon = resp.rfind(";")
    if semicolon == -1:
        return "ERROR"
    parts = [resp[:semicolon].strip(), resp[semicolon + 1 :].strip().lower()]
    if parts[0].capitalize() == "Nil":
        return _NIL
    m = _re.match(r"<class '(.*)'>", parts[1])
    if m:
        parts[1] = m.group(1)
    m = _re.match(r"(.*)\[.*\]", parts[1])
    if m:
        parts[1] = m.group(1)
    if parts[1] == "string":
        parts[1] = "str"
    if parts[1] == "integer":
        parts[1] = "int"
    if "," in parts[1] or "tuple" in parts[1]:
        parts[1] = "tuple"
    names = _evaluation_names(parts[0])
    if parts[1] == "str":
        try:
            return eval(parts[0], names), str
        except Exception:
            return parts[0], str
    if parts[1] in ("datetime.datetime", "datetime"):
        try:
            from dateutil.parser import parse

            return parse(parts[0]), locate(parts[1])
        except Exception:
            return "ERROR"
    if parts[1] in ("numpy.ndarray", "np.ndarray"):
        try:
            import numpy

            return numpy.array(eval(parts[0], names)), locate(parts[1])
        except Exception:
            return "ERROR"
    if parts[0] == "None" or parts[1] == "NoneType":
        return None, type(None)
    try:
        kind = locate(parts[1])
        if kind is None or not isinstance(kind, type):
            return "ERROR"
        if kind.__module__ == "builtins":
            value = eval(parts[0], names)
        else:
            try:
                value = kind(eval(parts[0], names))
            except Exception:
                value = kind(parts[0])
        return value, kind
    except Exception:
        return "ERROR"


def _state_equal(ans, actual):
    """REval's State._eq."""
    if ans is _NIL and actual is _NIL:
        return True
    if ans is _NIL or actual is _NIL:
        return False
    value, kind = ans
    if all(kind != type(a) for a in actual) or type(value) != kind:
        return False
    if kind == float:
        for a in actual:
            try:
                if abs(value - a) < 1e-6:
                    return True
            except Exception:
                continue
        return False
    try:
        return value in actual
    except ValueError:
        for a in actual:
            try:
                if type(value).__name__ == "ndarray" and type(a).__name__ == "ndarray":
                    import numpy

                    if numpy.allclose(value, a):
                        return True
                elif value == a:
                    return True
            except Exception:
                continue
        return False


def _reval_state(lineno, var, answer):
    """True iff REval's official rule accepts `answer` for the state of `var` after line `lineno` of the
    pair the job's code traced into `_STATES`."""
    actual = _interpret(globals()["_STATES"], lineno - 1, var)
    ans = _parse_state(answer)
    if isinstance(ans, str):  # "ERROR"
        return False
    try:
        return bool(_state_equal(ans, actual))
    except Exception:
        return False


def _as_test_method(answer):
    """REval's FunctionFactory.create_from_answer: the answer as the body of `dreval_output_pred`."""
    code, in_string = "def dreval_output_pred(self):", False
    for line in answer.split("\n"):
        code += f"\n{line}" if in_string else f"\n\t{line}"
        if "'''" in line or '"""' in line:
            in_string = not in_string
    return code.replace("assert", "self.assert")


def _reval_output(answer):
    """True iff REval's official output check passes for the pair in `_SPEC` (the answer after REval's
    phase 2 and penalties, which the parent applies)."""
    spec = globals()["_SPEC"]
    if spec["humaneval"]:
        g = {"__name__": "dynamics", "__builtins__": __builtins__}
        exec(compile(spec["code"], _FILENAME, "exec"), g)
        names = {"__builtins__": __builtins__, **_evaluation_names(answer)}
        out, err = _sys.stdout, _sys.stderr
        _sys.stdout = _sys.stderr = _Sink()
        try:
            exec(answer, names, {spec["entry"]: g[spec["entry"]]})
        except Exception:
            return False
        finally:
            _sys.stdout, _sys.stderr = out, err
        return True
    g, _, test_cls = _load(spec, instantiate=False)
    try:
        exec(compile(_as_test_method(answer), _FILENAME, "exec"), g)
        test_cls.dreval_output_pred = g["dreval_output_pred"]
        obj = test_cls()
        obj.setUp()
        out, err = _sys.stdout, _sys.stderr
        _sys.stdout = _sys.stderr = _Sink()
        try:
            obj.dreval_output_pred()
        finally:
            _sys.stdout, _sys.stderr = out, err
    except Exception:
        return False
    return True
