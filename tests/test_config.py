"""Configs: YAML and --set only set fields; unknown keys and bad values name file, key and closest match."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from codereasoner.config import apply_overrides, describe, from_dict, load_config


@dataclass(frozen=True)
class Train:
    learning_rate: float = field(default=1e-5, metadata={"help": "peak learning rate"})
    steps: int = 10
    bf16: bool = False

    def __post_init__(self) -> None:
        if self.learning_rate <= 0:
            raise ValueError("train.learning_rate must be > 0")


@dataclass(frozen=True)
class Recipe:
    name: str = "tiny"
    levels: tuple[int, ...] = (1, 2)
    train: Train = field(default_factory=Train)


def test_yaml_sets_nested_fields(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: x\nlevels: [1, 3]\ntrain:\n  steps: 5\n")
    cfg = load_config(path, Recipe)
    assert cfg == Recipe("x", (1, 3), Train(steps=5))


def test_unknown_key_names_file_key_and_closest(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text("train:\n  learnig_rate: 0.1\n")
    with pytest.raises(ValueError, match=r"tiny.yaml: unknown key 'train.learnig_rate'; did you mean 'learning_rate'"):
        load_config(path, Recipe)


def test_bad_type_is_rejected():
    with pytest.raises(ValueError, match="train.steps must be an integer"):
        from_dict(Recipe, {"train": {"steps": "many"}})


def test_overrides_are_typed_and_validated():
    cfg = apply_overrides(Recipe(), ["train.learning_rate=3e-5", "train.bf16=true", "levels=[4]"])
    assert cfg.train.learning_rate == 3e-5 and cfg.train.bf16 is True and cfg.levels == (4,)
    with pytest.raises(ValueError, match="must be > 0"):
        apply_overrides(Recipe(), ["train.learning_rate=-1"])
    with pytest.raises(ValueError, match="unknown key 'train.lr'"):
        apply_overrides(Recipe(), ["train.lr=1"])


def test_describe_lists_dotted_keys_with_help():
    rows = {key: help_ for key, _, help_ in describe(Recipe)}
    assert rows["train.learning_rate"] == "peak learning rate"


def test_benchmarks_root_follows_the_environment_variable(tmp_path, monkeypatch):
    from codereasoner.config import benchmarks_root
    from codereasoner.tasks.draw import CRUXEVAL, find_benchmark

    (tmp_path / "cruxeval").mkdir()
    (tmp_path / "cruxeval" / "cruxeval.jsonl").write_text("{}\n")
    monkeypatch.setenv("CODEREASONER_BENCHMARKS", str(tmp_path))
    assert benchmarks_root() == tmp_path
    assert find_benchmark(CRUXEVAL) == tmp_path / "cruxeval" / "cruxeval.jsonl"
    monkeypatch.setenv("CODEREASONER_BENCHMARKS", str(tmp_path / "elsewhere"))
    assert find_benchmark(CRUXEVAL) is None


def test_benchmarks_root_defaults_to_the_user_cache(tmp_path, monkeypatch):
    from codereasoner.config import benchmarks_root

    monkeypatch.delenv("CODEREASONER_BENCHMARKS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert benchmarks_root() == tmp_path / "codereasoner" / "benchmarks"  # never a sibling folder of the checkout
