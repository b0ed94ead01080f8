"""run_checked: one retry of crashed runs, identical programs run once under each program's own id."""

from __future__ import annotations

from codereasoner.records import Program, Run, RunStatus
from codereasoner.rewards.retry import run_checked


class CountingExecutor:
    """Runs nothing: answers `ok` with the code as result; a code starting with "crash" crashes `crashes` times."""

    def __init__(self, crashes: int = 0) -> None:
        self.calls: list[tuple[list[str], dict]] = []
        self.crashes = crashes

    def run(self, programs, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self.calls.append(([p.code for p in programs], kwargs))
        out = []
        for p in programs:
            if p.code.startswith("crash") and self.crashes:
                out.append(Run(p.id, RunStatus.CRASHED, error="died"))
            else:
                out.append(Run(p.id, RunStatus.OK, result=repr(p.code)))
        self.crashes = max(0, self.crashes - 1)
        return out


def test_identical_programs_run_once_and_keep_their_ids():
    ex = CountingExecutor()
    programs = [Program("a", "x", "None"), Program("b", "y", "None"), Program("c", "x", "None"),
                Program("d", "x", "f()")]
    runs = run_checked(ex, programs)
    assert [r.id for r in runs] == ["a", "b", "c", "d"]
    assert [r.result for r in runs] == ["'x'", "'y'", "'x'", "'x'"]
    assert ex.calls == [(["x", "y", "x"], {})]  # "x" with another call is another program


def test_the_packages_flag_is_part_of_what_makes_programs_identical():
    ex = CountingExecutor()
    programs = [Program("a", "x", "None"), Program("b", "x", "None"), Program("c", "x", "None")]
    runs = run_checked(ex, programs, packages=[False, True, True])
    assert [r.id for r in runs] == ["a", "b", "c"]
    assert ex.calls == [(["x", "x"], {"packages": [False, True]})]


def test_a_crash_is_retried_once_and_a_repeated_crash_is_an_error():
    once = CountingExecutor(crashes=1)
    runs = run_checked(once, [Program("a", "crash", "None"), Program("b", "crash", "None")])
    assert [r.status for r in runs] == [RunStatus.OK, RunStatus.OK] and [r.id for r in runs] == ["a", "b"]
    assert [c[0] for c in once.calls] == [["crash"], ["crash"]]
    twice = CountingExecutor(crashes=2)
    runs = run_checked(twice, [Program("a", "crash", "None"), Program("b", "ok", "None")])
    assert runs[0].status is RunStatus.ERROR and "died twice" in (runs[0].error or "")
    assert runs[1].status is RunStatus.OK
