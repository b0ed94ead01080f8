"""Evaluation: REval (DREval; r-eval/REval @ 2f148b9, docs/scoring.md) — coverage, state, path, output
and the incremental consistency (IC) score.

Reads `DREval_data.jsonl`, `DREval_tasks.jsonl` and the ground truth REval's own tracer produces
(`reval_ground_truth.derived.jsonl`; traces are Python-version-sensitive, so the truth is read, not
re-traced here). Writes one `Task` per (program, input, line/var) atom for coverage/state/path and one per
(program, input) pair for output. Answers are extracted and judged by REval's rules, with two
deliberate differences, both because model output is data: state values are parsed with
`tasks.answers.parse_literal` instead of `eval`, and output answers run in the isolated executor
instead of the evaluator's own process.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.base import Benchmark, by_id
from codereasoner.records import Generation, Report, Task, Verdict, VerdictStatus

FILES = ("DREval_data.jsonl", "DREval_tasks.jsonl", "reval_ground_truth.derived.jsonl")
KINDS = ("coverage", "state", "path", "output")
HUMANEVAL_END = 84  # dataset.py: DREval/0..84 are HumanEval functions, 85..153 ClassEval classes

def _test_classes(test_src: str | None) -> list[tuple[str, str, list[str]]]:
    """(name, source, setUp body lines stripped) of each class in a ClassEval test file."""
    if not test_src:
        return []
    out = []
    lines = test_src.split("\n")
    for node in ast.parse(test_src).body:
        if isinstance(node, ast.ClassDef):
            source = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            setup = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "setUp"), None)
            body = [ln.strip() for ln in lines[setup.lineno : setup.end_lineno]] if setup else []
            out.append((node.name, source, body))
    return out


def _setup(classes: list[tuple[str, str, list[str]]], snippet: str, *, comment_all: bool) -> tuple[str, str]:
    """(the TestCase class the snippet comes from, REval's "# setup code executed previously" block)."""
    if not classes:
        return "", ""
    first = snippet.strip().split("\n")[0].strip()
    name, _, body = next((c for c in classes if first and first in c[1]), classes[0])
    if not body:
        return name, ""
    head = "\n# setup code executed previously\n" + ("# " if comment_all else "")
    return name, head + "\n# ".join(body)


def load_dir(path: Path) -> list[Task]:
    """Every REval question of every kind, from a directory holding FILES."""
    for name in FILES:
        if not (path / name).exists():
            raise FileNotFoundError(
                f"{path / name} is missing. DREval_data/DREval_tasks come from github.com/r-eval/REval (data/); the "
                "ground truth file is produced by running REval's dynamics.py tracer (see the benchmarks README)."
            )
    data = {r["task_id"]: r for r in map(json.loads, (path / FILES[0]).open(encoding="utf-8"))}
    specs = {r["task_id"]: r for r in map(json.loads, (path / FILES[1]).open(encoding="utf-8"))}
    truth = {r["task_id"]: r for r in map(json.loads, (path / FILES[2]).open(encoding="utf-8"))}
    tasks: list[Task] = []
    for tid, prog in data.items():
        idx = int(tid.split("/")[1])
        humaneval = idx <= HUMANEVAL_END
        pairs = {p["input_idx"]: p for p in truth[tid]["pairs"]}
        classes = _test_classes(prog["test"])
        for spec in specs[tid]["tasks"]:
            i = spec["input_idx"]
            snippet = prog["inputs"][i]
            cls, setup_cov = _setup(classes, snippet, comment_all=False)
            _, setup_out = _setup(classes, snippet, comment_all=True)
            if humaneval:
                inv = abbr = f"{prog['entry_point']}{snippet[:-2]})"  # "(a, b,)" → "fn(a, b)"
                inv_out = "\n" + spec["output_pred"]
                gold_out = spec["output_pred"].replace("??", prog["outputs"][i])
            else:
                inv, abbr = setup_cov + "\n" + snippet.rstrip(), "the above test code"
                inv_out = setup_out + "\n# Test code starts here. Only write the completed test code in your answer.\n" + spec["output_pred"]
                gold_out = snippet.rstrip()
            base = {"program": tid, "input_idx": i, "humaneval": humaneval, "invocation": inv,
                    "invocation_abbr": abbr, "test": prog["test"], "test_class": cls,
                    "setup_path": setup_out + "\n" + snippet.rstrip() if not humaneval else inv}
            meta = {"benchmark": "reval"}
            tasks.append(Task(f"{tid}/{i}", "reval_output", prog["code"], inv,
                              {**base, "output_pred": spec["output_pred"], "invocation": inv_out}, gold_out, meta=meta))
            for j, atom in enumerate(pairs[i]["atoms"]):
                q = {**base, "atom": j, "lineno": atom["lineno"], "var": atom["var"],
                     "codeline": prog["code"].split("\n")[atom["lineno"] - 1]}
                aid = f"{tid}/{i}/{j}"
                tasks.append(Task(aid, "reval_coverage", prog["code"], inv, q, atom["coverage"], meta=meta))
                tasks.append(Task(aid, "reval_path", prog["code"], inv, q, atom["next_lines"], meta=meta))
                tasks.append(Task(aid, "reval_state", prog["code"], inv, q, atom["state"], meta=meta))
    return tasks


def extract(text: str) -> str:
    """REval's common extraction: after `[ANSWER]` (if present), cut at `[/ANSWER]` or its torn `[/ANSWER`."""
    at = text.find("[ANSWER]")
    ans = text[at + len("[ANSWER]"):] if at >= 0 else text
    ans = ans.strip()
    for stop in ("[/ANSWER]", "[/ANSWER"):
        ans = ans.split(stop)[0]
    return ans.strip()


def coverage_pred(answer: str) -> bool:
    """YES xor NO in the first three characters; anything else counts as NO (REval `_postprocess`)."""
    head = answer.upper()[:3]
    yes, no = "YES" in head, "NO" in head
    return yes if yes != no else False


def path_pred(answer: str, code: str) -> list[int]:
    """The 1-based lines whose stripped text equals the answer's first line; -1 as is; -2 = no match."""
    first = answer.split("\n")[0].strip()
    if first == "":
        return [-2]
    if first == "-1":
        return [-1]
    hits = [i + 1 for i, line in enumerate(code.split("\n")) if line.strip() == first]
    return hits or [-2]


_NIL = object()
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_TYPE_ALIASES = {"string": "str", "integer": "int", "none": "NoneType", "nonetype": "NoneType"}


def state_pred(answer: str) -> Any:
    """(value, type name), `_NIL`, or None when unreadable (REval's 'ERROR'); never evaluates code."""
    from codereasoner.tasks.answers import parse_literal

    ans = answer.translate(_QUOTES).strip()
    if ans.capitalize() == "Nil" or ans == "[Nil]":
        return _NIL
    if ";" not in ans:
        return None
    value, typ = (s.strip() for s in ans.rsplit(";", 1))
    typ = typ.lower()
    if value == "Nil":
        return _NIL
    m = re.fullmatch(r"<class '([\w.]+)'>", typ)
    typ = m.group(1) if m else typ
    typ = re.sub(r"\[.*\]$", "", typ)
    typ = _TYPE_ALIASES.get(typ, typ)
    if "," in typ or "tuple" in typ:
        typ = "tuple"
    if value == "None" or typ == "NoneType":
        return (None, "NoneType")
    try:
        parsed = parse_literal(value)
    except ValueError:
        if typ != "str":
            # REval evaluates such values (`Decimal('1.5')`, objects); we never do, so they can only
            # match a gold value of the same type whose repr is exactly this text.
            return (_Raw(value), typ)
        parsed = value  # REval: `eval(value)` for str, the raw text when that fails
    return (parsed, typ)


class _Raw(str):
    """An answer value that is not a literal, kept as its text."""


def _gold_values(state: list[dict]) -> list[tuple[Any, str]]:
    from codereasoner.tasks.answers import parse_literal

    out = []
    for v in state:
        try:
            out.append((parse_literal(v["repr"]), v["type"]))
        except ValueError:
            out.append((v["repr"], v["type"]))  # not a literal (an object): only its text can match
    return out


def state_correct(pred: Any, gold: list[dict] | None) -> bool:
    """REval `_eq`: Nil matches Nil; else the type must match some gold value's and the value one of them."""
    if pred is None:
        return False
    if pred is _NIL or gold is None:
        return pred is _NIL and gold is None
    value, typ = pred
    if isinstance(value, _Raw):
        return any(g["type"].lower() == typ.lower() and g["repr"] == str(value) for g in gold)
    golds = _gold_values(gold)
    if typ not in {t for _, t in golds} or type(value).__name__ != typ:
        return False
    if isinstance(value, float):
        return any(isinstance(g, (int, float)) and abs(value - g) < 1e-6 for g, _ in golds)
    return any(value == g for g, _ in golds)


_PENALTY = re.compile(r"assertTrue\(True\)|assertFalse\(False\)|assert\s+True\b|assert\s+False\b")


def output_program(task: Task, answer: str) -> tuple[str | None, str]:
    """The program that checks an output answer, or (None, why) when REval's penalties fail it first."""
    pred = task.question["output_pred"]
    ans = answer if answer else "assert False"
    lines, need = ans.split("\n"), pred.split("\n")
    if len(lines) < len(need):  # REval phase 2: restore the question's leading lines the answer left out
        ans = "\n".join(need[: len(need) - len(lines)] + lines)
    if _PENALTY.search(ans) or ans.count("assert") < pred.count("assert"):
        return None, "penalty pattern (trivial assertion or missing assert)"
    if task.question["humaneval"]:
        return f"{task.code}\n{ans}\n", ""
    body = "\n".join("        " + ln for ln in re.sub(r"\bassert", "self.assert", ans).split("\n"))
    base = task.question["test_class"] or "unittest.TestCase"
    wrapper = (f"import unittest\n{task.question['test'] or ''}\n\nclass DREvalOutputPred({base}):\n"
               f"    def dreval_output_pred(self):\n{body}\n\n"
               "_t = DREvalOutputPred('dreval_output_pred')\n_t.setUp()\n_t.dreval_output_pred()\n")
    return f"{task.code}\n{wrapper}", ""


def _render(task: Task) -> str:
    from codereasoner.tasks import prompts

    q = task.question
    kind = task.kind.removeprefix("reval_")
    code = task.code
    if kind == "output":
        return prompts.fill(prompts.REVAL_OUTPUT_DIRECT, code=code, invocation=q["invocation"])
    if kind == "path":
        invocation = q["invocation"] if q["humaneval"] else q["setup_path"]
        if q["humaneval"]:  # REval numbers the lines for the HumanEval path prompts only
            code = "".join(f"{i + 1}\t{line}\n" for i, line in enumerate(code.split("\n")))
        return prompts.fill(prompts.PATH_DIRECT, code=code, invocation=invocation,
                            codeline=q["codeline"], invocation_abbr=q["invocation_abbr"])
    template = prompts.COVERAGE_DIRECT if kind == "coverage" else prompts.STATE_DIRECT
    return prompts.fill(template, code=code, invocation=q["invocation"], line=str(q["lineno"]),
                        codeline=q["codeline"], invocation_abbr=q["invocation_abbr"], var=q["var"])


def judge(tasks: Sequence[Task], answers: Sequence[str], executor: Any) -> list[Verdict]:
    """One verdict per (task, extracted answer) under REval's rules; output answers run in the executor."""
    from codereasoner.records import Program, RunStatus

    out: list[Verdict | None] = [None] * len(tasks)
    programs, slots = [], []
    for i, (t, a) in enumerate(zip(tasks, answers)):
        kind = t.kind.removeprefix("reval_")
        if kind == "coverage":
            pred = coverage_pred(a)
            ok, detail = pred == t.answer, f"predicted {'YES' if pred else 'NO'}"
        elif kind == "path":
            pred_lines = path_pred(a, t.code)
            ok, detail = any(x in t.answer for x in pred_lines), f"predicted lines {pred_lines}"
        elif kind == "state":
            pred = state_pred(a)
            ok = state_correct(pred, t.answer)
            detail = "unreadable" if pred is None else "Nil" if pred is _NIL else f"predicted {pred[1]}"
        else:
            code, why = output_program(t, a)
            if code is None:
                out[i] = Verdict(t.id, False, VerdictStatus.WRONG, why)
                continue
            programs.append(Program(t.id, code, "None"))
            slots.append(i)
            continue
        out[i] = Verdict(t.id, ok, VerdictStatus.CORRECT if ok else VerdictStatus.WRONG, detail)
    if programs:
        if executor is None:
            from codereasoner.execution import default_executor

            executor = default_executor()
        for i, run in zip(slots, executor.run(programs)):
            ok = run.status is RunStatus.OK
            status = VerdictStatus.CORRECT if ok else (
                VerdictStatus.SANDBOX_ERROR if run.status is RunStatus.CRASHED else VerdictStatus.WRONG)
            out[i] = Verdict(tasks[i].id, ok, status, run.error or run.status.value)
    return [v for v in out if v is not None]


def coverage_metrics(tasks: Sequence[Task], verdicts: Sequence[Verdict]) -> dict[str, float]:
    """acc / precision / recall / F1 with "executed" as the positive class (REval; 0 where undefined)."""
    tp = fp = tn = fn = 0
    for t, v in zip(tasks, verdicts):
        pred = bool(t.answer) == v.correct  # the prediction, recovered from gold and correctness
        if pred and t.answer:
            tp += 1
        elif pred:
            fp += 1
        elif t.answer:
            fn += 1
        else:
            tn += 1
    n = max(1, tp + tn + fp + fn)
    prec = tp / (tp + fp) if tp + fp else 0.0  # REval raises ZeroDivisionError here; 0 keeps the run
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"accuracy": (tp + tn) / n, "precision": prec, "recall": rec, "f1": f1}


def consistency(reports: Sequence[Report]) -> float:
    """REval's IC score (Consistency.run): per atom 1 / 0.5 / 0.25 / 0.125 for the correct prefixes
    C∧S∧P∧O, C∧S∧P∧¬O, C∧S∧¬P∧¬O, C∧¬S∧¬P∧¬O (anything else 0); ×100 / number of atoms."""
    by_kind = {r.meta.get("task"): {v.id: v.correct for v in r.verdicts} for r in reports if r.benchmark == "reval"}
    missing = [k for k in KINDS if k not in by_kind]
    if missing:
        raise ValueError(f"the IC score needs all four REval tasks; missing {', '.join(missing)}")
    weights = {(1, 1, 1, 1): 1.0, (1, 1, 1, 0): 0.5, (1, 1, 0, 0): 0.25, (1, 0, 0, 0): 0.125}
    score = 0.0
    atoms = by_kind["coverage"]
    for aid, c in atoms.items():
        pair = aid.rsplit("/", 1)[0]
        key = (int(c), int(by_kind["state"].get(aid, False)), int(by_kind["path"].get(aid, False)),
               int(by_kind["output"].get(pair, False)))
        score += weights.get(key, 0.0)
    return 100 * score / max(1, len(atoms))


@BENCHMARKS.register("reval")
class REval(Benchmark):
    name = "reval"
    version = "1"  # data and rules @ 2f148b9; ground truth from REval's tracer under CPython 3.11
    task_kinds = KINDS
    styles = ("direct",)
    default_path = "reval"
    where_to_get = ("Get data/DREval_data.jsonl and data/DREval_tasks.jsonl from github.com/r-eval/REval "
                    "and the ground-truth file made with REval's dynamics.py; pass the directory as --data.")

    def load(self, path: str | Path | None = None, *, task: str | None = None) -> list[Task]:
        kind = self.check_kind(task)
        local = self.resolve_data(path)
        assert local is not None  # no hub copy: resolve_data raises instead
        return [t for t in load_dir(local) if t.kind == f"reval_{kind}"]

    def render(self, task: Task, style: str) -> str:
        self.check_style(style)
        return _render(task)

    def extract(self, completion: str, task: Task, style: str) -> str:
        return extract(completion)

    def score(self, tasks: Sequence[Task], generations: Sequence[Generation], *, mode: str = "official",
              executor: object | None = None) -> Report:
        """Greedy, one answer per question (REval's protocol): the first answer of each item is scored."""
        if mode not in ("official", "strict"):
            raise ValueError(f"mode must be 'official' or 'strict', got {mode!r}")
        answers = [gs[0] if gs else "" for gs in by_id(tasks, generations, self.name)]
        verdicts = judge(tasks, answers, executor)
        kind = tasks[0].kind.removeprefix("reval_") if tasks else ""
        if kind == "coverage":
            metrics = coverage_metrics(tasks, verdicts)
        else:
            metrics = {"accuracy": sum(v.correct for v in verdicts) / max(1, len(verdicts))}
        meta = {"task": kind, "num_items": len(tasks), "rules": "REval evaluation.py @ 2f148b9 (literal parsing, executor)"}
        return Report(self.name, self.version, mode, metrics, tuple(verdicts), meta)
