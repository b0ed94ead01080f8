"""The parent's bookkeeping of a fork server's tasks (forkpool.py), under interleavings forced by holding
back what the parent reads: ordinary batches only hit them now and then, on a loaded machine."""

from __future__ import annotations

from codereasoner.execution.forkpool import ForkPool
from codereasoner.records import Program, RunStatus


def test_a_report_that_overtakes_the_previous_tasks_pipe_end_is_kept(solo, monkeypatch):
    # The first task's result pipe is left unread until the server has reported both tasks, so the second
    # task's report arrives while the first is reported but not finished (its pipe's end not yet read).
    # That report was once dropped: the second task, long done, ran into its wall deadline as a timeout.
    reports: list[int] = []
    from_server, from_child = ForkPool._from_server, ForkPool._from_child

    def counting_reports(self, slot, job):  # noqa: ANN001
        if slot.state == "ready":  # after the handshake every message is a report
            reports.append(len(reports))
        from_server(self, slot, job)

    def first_pipe_held(self, slot, flight, job):  # noqa: ANN001
        if flight.index == 0 and len(reports) < 2:
            return  # not read now; the poller says it again next time round
        from_child(self, slot, flight, job)

    monkeypatch.setattr(ForkPool, "_from_server", counting_reports)
    monkeypatch.setattr(ForkPool, "_from_child", first_pipe_held)
    runs = solo.run([Program(f"p{i}", f"def f():\n    return {i}", "f()") for i in range(4)])
    assert [(r.status, r.result, r.error) for r in runs] == [(RunStatus.OK, str(i), None) for i in range(4)]
    assert len(reports) == 4
