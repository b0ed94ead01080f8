"""The model card's base model: a hub id only when one is known without the hub (train/card.py)."""

from __future__ import annotations

import json

from codereasoner.train.card import base_model_id, model_card


def _run(tmp_path, start_ref):
    out = tmp_path / "runs" / "sft"
    out.mkdir(parents=True)
    (out / "params.json").write_text(json.dumps({"recipe": "execverify", "start": start_ref, "tasks": "3:abc",
                                                 "sft": {"chains": True, "learning_rate": 1e-5}}))
    return out


def test_a_hub_cache_snapshot_names_its_repo(tmp_path):
    start = tmp_path / "hub" / "models--Qwen--Qwen2.5-Coder-7B-Instruct" / "snapshots" / "0123abc"
    start.mkdir(parents=True)
    assert base_model_id(start) == "Qwen/Qwen2.5-Coder-7B-Instruct"
    card = model_card(_run(tmp_path, {"path": str(start)}), "sft", start)
    front = card.split("\n---", 1)[0]
    assert "base_model: Qwen/Qwen2.5-Coder-7B-Instruct" in front
    assert "[Qwen/Qwen2.5-Coder-7B-Instruct](https://huggingface.co/Qwen/Qwen2.5-Coder-7B-Instruct)" in card
    assert "verified reasoning chains" in card and f"- start model: `{start}`" in card


def test_a_trained_model_passes_its_base_model_on(tmp_path):
    start = tmp_path / "runs" / "sft-first" / "final"
    start.mkdir(parents=True)
    (start / "README.md").write_text("---\nlibrary_name: transformers\nbase_model: org/base-7b\n---\n# card\n")
    assert base_model_id(start) == "org/base-7b"


def test_a_plain_local_directory_is_named_in_the_text_only(tmp_path):
    start = tmp_path / "models" / "my-7b"
    start.mkdir(parents=True)
    assert base_model_id(start) is None
    card = model_card(_run(tmp_path, {"made_by": "0" * 16, "name": "my-7b"}), "sft", start)
    assert "base_model:" not in card and "[None]" not in card and f"the local checkpoint `{start}`" in card


def test_a_freshly_built_tiny_model_is_named_as_such(tmp_path):
    start = tmp_path / "sft-run" / "model0"  # what the SFT stage builds when it starts from scratch
    start.mkdir(parents=True)
    (start / "params.json").write_text(json.dumps({"stage": "start", "tiny": {"hidden_size": 128}}))
    card = model_card(_run(tmp_path, {"path": str(start)}), "sft", start)
    assert "the embedded tiny model, trained from scratch" in card and "local checkpoint" not in card
