"""Generation backends: OpenAI-compatible against a real local HTTP server (end to end through the CLI,
with resume from the generation cache), transformers with a tiny Llama built from a config, vLLM's error."""

from __future__ import annotations

import json
import re

import pytest

from codereasoner.cli.main import main
from codereasoner.evaluation.backends import BACKENDS, Sampling

ROWS: dict[str, str] = {}


def _gold_responder(benchmarks_dir):
    """A fake model that answers CRUXEval-O direct prompts correctly (the last `assert f(...) == ??`)."""
    rows = [json.loads(line) for line in (benchmarks_dir / "cruxeval" / "cruxeval.jsonl").open()]
    by_input = {r["input"]: r["output"] for r in rows}

    def respond(endpoint: str, body: dict) -> list[str]:
        prompt = body["prompt"] if endpoint == "/completions" else body["messages"][-1]["content"]
        inp = re.findall(r"assert f\((.*)\) == \?\?", prompt)[-1]
        return [f"assert f({inp}) == {by_input[inp]}\n[/ANSWER]\nand then some rambling"] * body.get("n", 1)

    return respond


def test_openai_backend_end_to_end_and_resume(benchmarks_dir, tmp_path, capsys):
    from codereasoner.openai_client import LocalServer

    run_dir = tmp_path / "run"
    with LocalServer(_gold_responder(benchmarks_dir)) as server:
        argv = ["eval", "run", "--benchmark", "cruxeval", "--task", "output", "--backend", "openai",
                "--model", "fake", "--base-url", server.base_url, "--style", "direct", "--limit", "6",
                "--data", str(benchmarks_dir / "cruxeval" / "cruxeval.jsonl"), "-o", str(run_dir)]
        assert main(argv) == 0
        first = len(server.requests)
        assert first == 6 and server.requests[0]["stop"] == ["[/ANSWER]"] and server.requests[0]["temperature"] == 0
        assert main(argv) == 0  # resumed: every item is in the generation cache
        assert len(server.requests) == first
    report = json.loads((run_dir / "report.json").read_text())
    (rep,) = report["reports"]
    assert rep["metrics"]["pass@1"] == 100.0 and rep["mode"] == "official" and rep["version"]
    assert len(rep["verdicts"]) == 6 and all(v["correct"] for v in rep["verdicts"])
    assert "CX-O" in (run_dir / "report.md").read_text()
    assert "| 6 of 800 (subset) |" in (run_dir / "report.md").read_text()  # a --limit run is marked
    assert (run_dir / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| **this run** |" in capsys.readouterr().out


def test_vllm_backend_says_which_extra_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "vllm", None)  # as if the [vllm] extra were not installed
    with pytest.raises(ImportError, match=r"codereasoner\[vllm\]"):
        BACKENDS.get("vllm")("some/model")


def test_cli_run_without_the_backend_extra_is_a_usage_error(monkeypatch, tmp_path, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "vllm", None)
    argv = ["eval", "run", "--benchmark", "cruxeval", "--backend", "vllm", "--model", "m", "-o", str(tmp_path)]
    assert main(argv) == 2
    assert "pip install 'codereasoner[vllm]'" in capsys.readouterr().err


def test_sampling_rejects_bad_settings():
    with pytest.raises(ValueError, match="sampling.n"):
        Sampling(n=0)
    with pytest.raises(ValueError, match="temperature > 0"):
        Sampling(n=4, temperature=0.0)


@pytest.fixture(scope="module")
def tiny_llama():
    """A 2-layer Llama and a byte-level BPE tokenizer trained here, in about a second."""
    torch = pytest.importorskip("torch")
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    texts = ["def f(x):\n    return x + 1\nassert f(1) == 2\n", "[ANSWER] assert f(2) == 3 [/ANSWER]"] * 20
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<pad>", "</s>"],
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    from tokenizers import decoders

    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="</s>")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=fast.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                         pad_token_id=fast.pad_token_id, eos_token_id=fast.eos_token_id)
    return LlamaForCausalLM(config).eval(), fast


def test_transformers_backend_generates_greedy_batched(tiny_llama):
    model, tok = tiny_llama
    backend = BACKENDS.get("hf")(model, tokenizer=tok, batch_size=2, device="cpu")
    prompts = ["def f(x):\n    return x", "assert f(1) ==", "[ANSWER]"]
    sampling = Sampling(max_new_tokens=6)
    out = backend.generate(prompts, sampling)
    assert [len(o) for o in out] == [1, 1, 1] and all(isinstance(o[0], str) for o in out)
    assert backend.generate(prompts, sampling) == out  # greedy is deterministic
    assert tok.padding_side == "left"
    sampled = backend.generate(prompts[:1], Sampling(n=3, temperature=0.9, max_new_tokens=4, seed=1))
    assert len(sampled[0]) == 3


def test_evaluate_in_memory_tasks_with_the_tiny_model(tiny_llama, benchmarks_dir, executor, tmp_path):
    from codereasoner.evaluation import evaluate
    from codereasoner.evaluation.benchmarks import BENCHMARKS

    model, tok = tiny_llama
    tasks = BENCHMARKS.get("cruxeval")().load(benchmarks_dir / "cruxeval", task="output")[:3]
    tasks = [t.__class__(**{**{f: getattr(t, f) for f in t.__dataclass_fields__}, "prompt": "x = "}) for t in tasks]
    reports = evaluate(model, {"cruxeval": tasks}, tokenizer=tok, style="direct",
                       sampling=Sampling(max_new_tokens=4), executor=executor, out_dir=tmp_path)
    (report,) = reports
    assert report.benchmark == "cruxeval" and report.meta["task"] == "output"
    assert 0.0 <= report.metrics["pass@1"] <= 100.0 and len(report.verdicts) == 3
    assert (tmp_path / "generations" / "cruxeval-output-direct.jsonl").exists()


def test_stepcodereasoner_style_scores_final_answer_and_steps(benchmarks_dir, executor):
    """A fake model that copies the gold anchor trace and answer: final pass@1 and step accuracy are 100%."""
    from codereasoner.evaluation import evaluate
    from codereasoner.evaluation.benchmarks import BENCHMARKS
    from codereasoner.evaluation.benchmarks.steps import anchor_tasks
    from codereasoner.tasks import TASK_KINDS

    tasks = BENCHMARKS.get("cruxeval")().load(benchmarks_dir / "cruxeval", task="output")[:8]
    anchors, _ = anchor_tasks(tasks, executor)
    assert anchors and all(a.kind == "anchors" for a in anchors)
    kind = TASK_KINDS.get("anchors")()
    gold = {a.id: kind.format_answer(a, "stepcodereasoner") for a in anchors}

    class Copier:
        def generate(self, prompts, sampling):
            out = []
            for p in prompts:
                user = p[-1]["content"]
                out.append([next(g for i, g in gold.items() if next(a for a in anchors if a.id == i).code.rstrip() in user)])
            return out

    (report,) = evaluate(Copier(), ["cruxeval"], task_kinds=["output"], style="stepcodereasoner",
                         data=benchmarks_dir / "cruxeval", limit=8, executor=executor)
    assert report.metrics["pass@1"] == 100.0 and report.metrics["step_accuracy"] == 100.0
    assert report.meta["kept_items"] == len(anchors)


def test_reval_run_adds_the_incremental_consistency_report(reval_dir, executor):
    from codereasoner.evaluation import evaluate

    class SaysYes:
        def generate(self, prompts, sampling):
            return [["YES\n[/ANSWER]"] for _ in prompts]

    reports = evaluate(SaysYes(), ["reval"], task_kinds=["coverage", "state", "path", "output"],
                       data=reval_dir, limit=20, executor=executor)
    assert [r.meta["task"] for r in reports] == ["coverage", "state", "path", "output", "consistency"]
    coverage = reports[0]
    assert coverage.metrics["recall"] == 1.0  # always YES: every executed line is found
    assert 0.0 <= reports[-1].metrics["ic"] <= 100.0


def test_resuming_with_other_sampling_settings_is_refused(benchmarks_dir, executor, tmp_path):
    from codereasoner.evaluation import evaluate

    class Echo:
        def generate(self, prompts, sampling):
            return [["0"] * sampling.n for _ in prompts]

    kwargs = dict(task_kinds=["output"], style="direct", data=benchmarks_dir / "cruxeval", limit=2,
                  executor=executor, out_dir=tmp_path)
    evaluate(Echo(), ["cruxeval"], **kwargs)
    with pytest.raises(ValueError, match="cached generations were made with"):
        evaluate(Echo(), ["cruxeval"], sampling=Sampling(n=2, temperature=0.8), **kwargs)
