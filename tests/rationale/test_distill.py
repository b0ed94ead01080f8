"""Teacher distillation against a real HTTP server on 127.0.0.1: only verified chains are kept; resume re-asks nothing."""

from __future__ import annotations

import json

import pytest

from codereasoner.openai_client import LocalServer, OpenAIClient
from codereasoner.records import Task
from codereasoner.rationale.distill import DistillConfig, distill, normalize, read_samples, rejected_path
from codereasoner.rationale.sft import write_sft

CODE = "def f(x):\n    y = x * 3\n    return y + 1"


def task(i: int) -> Task:
    return Task(f"t{i}", "output", CODE, f"f({i})", {"func": "f", "input": str(i)}, str(3 * i + 1),
                prompt=f"Fill in the missing assertion.\nassert f({i}) == ????", meta={"system": "You are a programming expert."})


def chain(i: int, answer: int) -> str:
    return f"<reasoning>\ny = {3 * i}, so f returns {answer}\n</reasoning>\n<answer>\nassert f({i}) == {answer}\n</answer>"


def responder(endpoint, body):
    # The teacher: for each prompt one wrong and one right chain (the task number is in the prompt).
    prompt = body["messages"][-1]["content"]
    i = int(prompt.rsplit("f(", 1)[1].split(")")[0])
    if i == 99:
        return [chain(i, 0), chain(i, 1)][: body["n"]]  # never right
    return [chain(i, 3 * i), chain(i, 3 * i + 1)][: body["n"]]


def test_only_verified_chains_are_kept_and_resume_uses_the_cache(tmp_path, executor):
    out = tmp_path / "teacher.jsonl"
    cfg = DistillConfig(n=2, keep=2, batch=2)
    with LocalServer(responder) as server:
        client = OpenAIClient(server.base_url, "teacher-model", cache_dir=tmp_path / "cache", concurrency=2)
        s1 = distill([task(1), task(2), task(99)], client, out, cfg=cfg, executor=executor, progress=False)
        assert (s1.kept, s1.rejected_tasks, s1.asked) == (2, 1, 6)
        samples = read_samples(out)
        assert [s.completion for s in samples] == [chain(1, 4), chain(2, 7)]
        assert all(s.origin == "teacher" and s.verified for s in samples)
        assert samples[0].meta["teacher"] == "teacher-model" and samples[0].meta["sample"] == 1
        assert [m["role"] for m in server.requests[0]["messages"]] == ["system", "user"]
        rejected = [json.loads(x) for x in rejected_path(out).read_text().splitlines()]
        assert rejected == [{"task_id": "t99", "teacher": "teacher-model", "n": 2, "verdicts": ["wrong", "wrong"]}]
        asked = len(server.requests)

        # Resume: a new client on the same cache; done tasks are skipped, only the new task is asked.
        client2 = OpenAIClient(server.base_url, "teacher-model", cache_dir=tmp_path / "cache")
        s2 = distill([task(1), task(2), task(99), task(3)], client2, out, cfg=cfg, executor=executor, progress=False)
        assert s2.skipped_done == 3 and s2.kept == 1
        assert len(server.requests) == asked + 1
        assert [s.task.id for s in read_samples(out)] == ["t1", "t2", "t3"]


def test_interrupted_run_resumes_from_the_cache_without_asking_again(tmp_path, executor):
    out = tmp_path / "teacher.jsonl"
    cfg = DistillConfig(n=2, batch=1)
    with LocalServer(responder) as server:
        client = OpenAIClient(server.base_url, "m", cache_dir=tmp_path / "cache")

        class Dies:
            model = "m"
            calls = 0

            def chat(self, *a, **kw):
                Dies.calls += 1
                if Dies.calls == 2:
                    raise KeyboardInterrupt  # killed mid-run, after the first task was written
                return client.chat(*a, **kw)

        with pytest.raises(KeyboardInterrupt):
            distill([task(1), task(2)], Dies(), out, cfg=cfg, executor=executor, progress=False)
        assert [s.task.id for s in read_samples(out)] == ["t1"]
        first = len(server.requests)
        client.chat([[{"role": "system", "content": "You are a programming expert."},
                      {"role": "user", "content": task(2).prompt}]], n=2, temperature=0.6, max_tokens=4096, top_p=0.9)
        before = len(server.requests)  # t2's request is now cached, as if the crash came after the answer
        assert before == first + 1
        s = distill([task(1), task(2)], client, out, cfg=cfg, executor=executor, progress=False)
        assert s.skipped_done == 1 and s.kept == 1 and len(server.requests) == before
        assert [x.task.id for x in read_samples(out)] == ["t1", "t2"]


def test_think_blocks_become_the_reasoning_format():
    assert normalize("<think>\ny is 4\n</think>\nassert f(1) == 4") == \
        "<reasoning>\ny is 4\n</reasoning>\n<answer>\nassert f(1) == 4\n</answer>"
    assert normalize(chain(1, 4)) == chain(1, 4)


def test_teacher_samples_become_sft_rows(tmp_path, executor):
    out = tmp_path / "teacher.jsonl"
    with LocalServer(responder) as server:
        client = OpenAIClient(server.base_url, "m")
        distill([task(5)], client, out, cfg=DistillConfig(n=2), executor=executor, progress=False)
    n = write_sft(read_samples(out), tmp_path / "sft.jsonl")
    row = json.loads((tmp_path / "sft.jsonl").read_text())
    assert n == 1 and row["completion"][0]["content"] == chain(5, 16) and row["prompt"][-1]["content"] == task(5).prompt
