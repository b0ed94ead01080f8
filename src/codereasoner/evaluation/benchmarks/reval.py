"""Evaluation: REval (DREval; r-eval/REval @ 2f148b9, docs/scoring.md) — coverage, state, path, output
and the incremental consistency (IC) score.

Reads `DREval_data.jsonl` and `DREval_tasks.jsonl`; the ground truth (coverage, next lines, state values)
is computed here by tracing every (program, input) pair in the engine's untrusted sandbox with REval's
recording rules (reval_truth.py, reval_probe.py). Writes one `Task` per (program, input, line/var) atom for
coverage/state/path and one per (program, input) pair for output. Answers are judged by REval's rules in
`official` mode and by their literal-only variant in `strict` mode (reval_rules.py). A pair that cannot be
traced here (a package that is not installed, a program that fails under this environment) is left out and
named with the reason in every report (`meta["skipped"]`).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.base import Benchmark, by_id, read_rows
from codereasoner.evaluation.benchmarks.reval_rules import (
    coverage_pred,
    extract,
    output_answer,
    path_pred,
    probe_job,
    run_checks,
    state_correct,
    state_pred,
    strict_output,
    verdict,
)
from codereasoner.records import Generation, Report, Task, Verdict, VerdictStatus

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

FILES = ("DREval_data.jsonl", "DREval_tasks.jsonl")
KINDS = ("coverage", "state", "path", "output")
HUMANEVAL_END = 84  # dataset.py: DREval/0..84 are HumanEval functions, 85..153 ClassEval classes
MAX_ANSWER_CHARS = 100_000  # an answer longer than this is wrong without being run


def _test_classes(test_src: str | None, entry: str) -> list[tuple[str, list[str]]]:
    """REval's test classes of a ClassEval program, in definition order: (name, the source lines of the
    setUp it runs after its `def` line, as `inspect.getsource` gives them; [] when it inherits unittest's)."""
    if not test_src:
        return []
    lines = test_src.split("\n")
    classes = {n.name: n for n in ast.parse(test_src).body if isinstance(n, ast.ClassDef)}

    def setup_of(node: ast.ClassDef, seen: frozenset[str] = frozenset()) -> list[str]:
        own = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "setUp"), None)
        if own is not None:
            return lines[own.lineno : own.end_lineno] + [""]  # getsource ends with a newline
        for base in node.bases:  # a setUp inherited from another test class of the file
            if isinstance(base, ast.Name) and base.id in classes and base.id not in seen:
                return setup_of(classes[base.id], seen | {node.name})
        return []

    return [(name, setup_of(node)) for name, node in classes.items() if re.match(f"{entry}Test.*", name)]


def _setup(classes: list[tuple[str, list[str]]], input_idx: int, *, comment_all: bool) -> tuple[str, str]:
    """(the TestCase class of input `input_idx`, REval's "# setup code executed previously" block)."""
    if input_idx >= len(classes):
        return "", ""
    name, body = classes[input_idx]
    if not body:
        return name, ""
    head = "\n# setup code executed previously\n" + ("# " if comment_all else "")
    return name, head + "\n# ".join(body)


def load_dir(path: Path, executor: Any = None) -> tuple[list[Task], dict[str, str]]:
    """Every REval question of every kind from a directory holding FILES, and the skipped pairs (id → why)."""
    from codereasoner.evaluation.benchmarks.reval_truth import compute_truth

    for name in FILES:
        if not (path / name).exists():
            raise FileNotFoundError(f"{path / name} is missing. DREval_data.jsonl and DREval_tasks.jsonl come "
                                    "from github.com/r-eval/REval (data/).")
    data_rows = read_rows(path / FILES[0], {"task_id", "entry_point", "code", "inputs", "outputs"}, "DREval data")
    spec_rows = read_rows(path / FILES[1], {"task_id", "tasks"}, "DREval tasks")
    data = {r["task_id"]: r for r in data_rows}
    truth = compute_truth(data_rows, spec_rows, executor)
    tasks: list[Task] = []
    skipped: dict[str, str] = {}
    for spec_row in spec_rows:
        tid = spec_row["task_id"]
        prog = data[tid]
        humaneval = int(tid.split("/")[1]) <= HUMANEVAL_END
        pairs = {p["input_idx"]: p for p in truth[tid]}
        classes = _test_classes(prog["test"], prog["entry_point"])
        for spec in spec_row["tasks"]:
            i = spec["input_idx"]
            if pairs[i]["skipped"]:
                skipped[f"{tid}/{i}"] = pairs[i]["skipped"]
                continue
            snippet = prog["inputs"][i]
            cls, setup_cov = _setup(classes, i, comment_all=False)
            _, setup_out = _setup(classes, i, comment_all=True)
            if humaneval:
                inv = abbr = f"{prog['entry_point']}{snippet[:-2]})"  # "(a, b,)" → "fn(a, b)"
                inv_out = "\n" + spec["output_pred"]
                gold_out = spec["output_pred"].replace("??", prog["outputs"][i])
            else:
                inv, abbr = setup_cov + "\n" + snippet.rstrip(), "the above test code"
                inv_out = setup_out + "\n# Test code starts here. Only write the completed test code in your answer.\n" + spec["output_pred"]
                gold_out = snippet.rstrip()
            base = {"program": tid, "input_idx": i, "humaneval": humaneval, "invocation": inv,
                    "invocation_abbr": abbr, "test": prog["test"], "test_class": cls, "entry_point": prog["entry_point"],
                    "input": snippet, "setup_path": setup_out + "\n" + snippet.rstrip() if not humaneval else inv}
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
    return tasks, skipped


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


def judge(tasks: Sequence[Task], answers: Sequence[str], executor: Any, mode: str = "official") -> list[Verdict]:
    """One verdict per (task, extracted answer) under REval's rules (`official`) or their literal-only
    variant (`strict`); the checks that execute run in the sandbox, one job per (program, input) pair."""
    out: list[Verdict | None] = [None] * len(tasks)
    states: dict[str, list[int]] = {}  # pair id → slots of its official state answers
    outputs: list[tuple[int, str]] = []
    for i, (t, a) in enumerate(zip(tasks, answers)):
        kind = t.kind.removeprefix("reval_")
        if not isinstance(a, str) or len(a) > MAX_ANSWER_CHARS:
            out[i] = Verdict(t.id, False, VerdictStatus.UNPARSABLE, f"answer longer than {MAX_ANSWER_CHARS} characters"
                             if isinstance(a, str) else "answer is not text")
        elif kind == "coverage":
            pred = coverage_pred(a)
            out[i] = verdict(t.id, pred == t.answer, f"predicted {'YES' if pred else 'NO'}")
        elif kind == "path":
            lines = path_pred(a, t.code)
            out[i] = verdict(t.id, any(x in t.answer for x in lines), f"predicted lines {lines}")
        elif kind == "state" and mode == "strict":
            pred = state_pred(a)
            detail = "unreadable or not a literal" if pred is None else "Nil" if isinstance(pred, str) else f"predicted {pred[1]}"
            out[i] = verdict(t.id, state_correct(pred, t.answer), detail)
        elif kind == "state":
            states.setdefault(f"{t.question['program']}/{t.question['input_idx']}", []).append(i)
        else:
            text, why = output_answer(t, a)
            if text is not None and mode == "strict":
                text, why = strict_output(t, text)
            if text is None:
                out[i] = Verdict(t.id, False, VerdictStatus.WRONG, why)
            else:
                outputs.append((i, text))
    from codereasoner.evaluation.benchmarks.reval_truth import call

    jobs = [probe_job(pair, tasks[slots[0]], [call("_reval_state", tasks[s].question["lineno"], tasks[s].question["var"],
                                                  answers[s]) for s in slots], trace=True)
            for pair, slots in states.items()]
    jobs += [probe_job(tasks[i].id, tasks[i], [call("_reval_output", text)],
                       trace=False) for i, text in outputs]
    slots_per_job = list(states.values()) + [[i] for i, _ in outputs]
    if jobs:
        if executor is None:
            from codereasoner.execution import default_executor

            executor = default_executor()
        for slots, results in zip(slots_per_job, run_checks(executor, jobs)):
            for s, (passed, detail) in zip(slots, results):
                out[s] = verdict(tasks[s].id, passed, detail)
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
    # 2: truth traced here (not read from a file); strict is the literal-only variant; REval's own state
    # parsing and output checks in official mode, in the sandbox with read-only site-packages
    version = "2"
    task_kinds = KINDS
    styles = ("direct",)
    default_path = "reval"
    where_to_get = ("Get data/DREval_data.jsonl and data/DREval_tasks.jsonl from github.com/r-eval/REval "
                    "and pass their directory as --data.")

    def __init__(self) -> None:
        self.skipped: dict[str, str] = {}  # pair id → why it has no ground truth here (set by load)

    def load(self, path: str | Path | None = None, *, task: str | None = None) -> list[Task]:
        kind = self.check_kind(task)
        local = self.resolve_data(path)
        assert local is not None  # no hub copy: resolve_data raises instead
        tasks, self.skipped = load_dir(local)
        if self.skipped:
            first = next(iter(self.skipped.items()))
            print(f"reval: {len(self.skipped)} (program, input) pairs skipped; first {first[0]}: {first[1]}",
                  file=sys.stderr)
        return [t for t in tasks if t.kind == f"reval_{kind}"]

    def render(self, task: Task, style: str) -> str:
        self.check_style(style)
        return _render(task)

    def extract(self, completion: str, task: Task, style: str) -> str:
        return extract(completion)

    def score(self, tasks: Sequence[Task], generations: Sequence[Generation], *, mode: str = "official",
              executor: ExecutorLike | None = None) -> Report:
        """Greedy, one answer per question (REval's protocol): the first answer of each item is scored."""
        if mode not in ("official", "strict"):
            raise ValueError(f"mode must be 'official' or 'strict', got {mode!r}")
        answers = [gs[0] if gs else "" for gs in by_id(tasks, generations, self.name)]
        return self._report(tasks, judge(tasks, answers, executor, mode), mode)

    def combine(self, tasks: Sequence[Task], generations: Sequence[Generation], reports: Sequence[Report]) -> Report:
        return self._report(tasks, [v for r in reports for v in r.verdicts], reports[0].mode)

    def _report(self, tasks: Sequence[Task], verdicts: Sequence[Verdict], mode: str) -> Report:
        kind = tasks[0].kind.removeprefix("reval_") if tasks else ""
        if kind == "coverage":
            metrics = coverage_metrics(tasks, verdicts)
        else:
            metrics = {"accuracy": sum(v.correct for v in verdicts) / max(1, len(verdicts))}
        rules = ("REval evaluation.py @ 2f148b9, answers executed in the sandbox" if mode == "official" else
                 "REval's rules, literal answers only (nothing the model wrote runs)")
        meta = {"task": kind, "num_items": len(tasks), "rules": rules, "skipped": dict(self.skipped)}
        return Report(self.name, self.version, mode, metrics, tuple(verdicts), meta)
