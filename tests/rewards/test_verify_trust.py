"""Who wrote the code decides the sandbox: official mode executes answer expressions, so it always runs them
untrusted; strict mode never executes model text, and only the framework's own synthesised functions on
literal arguments may use the trusted pool."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from codereasoner.execution import Trust
from codereasoner.rewards.official import cruxeval_task
from codereasoner.rewards.verify import verify_batch

CODE = "def f(a, b):\n    return a + b"


class TrustSpy:
    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []

    @property
    def limits(self):
        return self.inner.limits

    def run(self, programs, **kwargs):
        self.calls.append((kwargs.get("trust", Trust.UNTRUSTED), [(p.code, p.call) for p in programs]))
        return self.inner.run(programs, **kwargs)


def test_official_runs_answers_untrusted(executor):
    spy = TrustSpy(executor)
    out = cruxeval_task("o", "output", CODE, "1, 2", "3")
    inp = cruxeval_task("i", "input", CODE, "1, 2", "3")
    synth = dataclasses.replace(inp, meta={"source": "synth"})  # even the framework's own program
    verdicts = verify_batch([out, inp, synth], ["1 + 2", "f(2, 1)", "f(3, 0)"], mode="official", executor=spy)
    assert [v.correct for v in verdicts] == [True, True, True]  # expressions evaluate: official is faithful
    assert spy.calls and all(trust is Trust.UNTRUSTED for trust, _ in spy.calls)
    assert any("1 + 2" in code for _, progs in spy.calls for code, _ in progs)


def test_strict_never_executes_model_text(executor):
    spy = TrustSpy(executor)
    out = cruxeval_task("o", "output", CODE, "1, 2", "3")
    inp = cruxeval_task("i", "input", CODE, "1, 2", "3")
    synth = dataclasses.replace(inp, id="s", meta={"source": "synth"})
    verdicts = verify_batch([out, out, inp], ["1 + 2", "3", "f(  2 ,1 )"], mode="strict", executor=spy)
    verdicts += verify_batch([synth], ["f(3,0)"], mode="strict", executor=spy)  # a batch of synthesised tasks only
    assert [v.correct for v in verdicts] == [False, True, True, True]
    ran = [(trust, call) for trust, progs in spy.calls for _, call in progs]
    # output answers are compared as literals: nothing ran for them; input answers run the task's own f on
    # arguments rebuilt from their parsed values, never the model's text
    assert sorted(call for _, call in ran) == ["f(2, 1)", "f(3, 0)"]
    assert dict((call, trust) for trust, call in ran) == {"f(2, 1)": Trust.UNTRUSTED, "f(3, 0)": Trust.TRUSTED}


def test_verify_cli_official_answer_cannot_touch_the_host(tmp_path):
    marker = tmp_path / "touched"
    rows = [{"id": "0", "task": "output", "code": CODE, "input": "1, 2", "output": "3",
             "answer": f"(open({str(marker)!r}, 'w').write('x'), 3)[1]"}]
    src = tmp_path / "answers.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = subprocess.run([sys.executable, "-m", "codereasoner", "verify", str(src), "--mode", "official"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["correct"] is False and not marker.exists()
