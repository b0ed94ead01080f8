"""Orchestration: a recipe is one frozen config composing every stage's section.

The three papers differ in configuration, not code: `recipes/{codereasoner,execverify,stepcodereasoner,
tiny}.yaml` (package data) choose program sources, task mix and prompt style (`data`), and each later stage
adds its own section. YAML only sets fields; unknown keys raise naming the file, the key and the closest
match; `--set data.n_inputs=2` overrides a field with the field's own type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codereasoner.config import apply_overrides, load_config
from codereasoner.evaluation.config import EvalConfig
from codereasoner.rewards.config import RewardConfig
from codereasoner.tasks.config import DataConfig
from codereasoner.train.config import TrainConfig

RECIPES_DIR = Path(__file__).parent / "recipes"


@dataclass(frozen=True)
class Recipe:
    """Everything one paper's recipe needs, section by section."""

    name: str = field(default="custom", metadata={"help": "recipe name, written into every task record"})
    description: str = field(default="", metadata={"help": "one line on what the recipe reproduces"})
    data: DataConfig = field(default_factory=DataConfig, metadata={"help": "`codereasoner data build`"})
    train: TrainConfig = field(default_factory=TrainConfig, metadata={"help": "`codereasoner train` / quickstart"})
    reward: RewardConfig = field(default_factory=RewardConfig, metadata={"help": "RL reward and verifier mode"})
    evaluation: EvalConfig = field(default_factory=EvalConfig, metadata={"help": "`codereasoner eval run`"})

    def rl_reward(self) -> RewardConfig:
        """The reward RL trains with, resolved here and nowhere else: the `reward:` section, except that
        ExecVerify's stage II (`train.grpo.stage: codegen`) always trains on the code-generation reward."""
        if self.train.grpo.stage == "codegen":
            return dataclasses.replace(self.reward, name="codegen")
        return self.reward


def recipe_names() -> list[str]:
    """The built-in recipes (files in the package's recipes/ folder)."""
    return sorted(p.stem for p in RECIPES_DIR.glob("*.yaml"))


def recipe_path(name_or_path: str | Path) -> Path:
    """The YAML file for a built-in recipe name, or the path itself; ValueError naming the choices."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(text)
        if not path.is_file():
            raise ValueError(f"recipe file {path} does not exist")
        return path
    path = RECIPES_DIR / f"{text}.yaml"
    if not path.is_file():
        import difflib

        known = recipe_names()
        close = difflib.get_close_matches(text, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"no recipe {text!r}; built-in recipes: {', '.join(known)}{hint}")
    return path


def load_recipe(name_or_path: str | Path, overrides: Sequence[str] = ()) -> Recipe:
    """A built-in recipe by name (or a YAML file), with `a.b=value` overrides applied and validated."""
    path = recipe_path(name_or_path)
    recipe = load_config(path, Recipe)
    if recipe.name == "custom" and path.parent == RECIPES_DIR:
        recipe = apply_overrides(recipe, [f"name={path.stem}"])
    return apply_overrides(recipe, list(overrides))


def build_recipe(data: str | Path) -> Recipe | None:
    """The recipe a `codereasoner data build` directory was made with (its config.json), or None when DIR
    has none; a config.json an older version wrote falls back to the built-in recipe of the same name."""
    import json

    from codereasoner.config import from_dict

    file = Path(data) / "config.json"
    if not file.is_file():
        return None
    try:
        section = json.loads(file.read_text(encoding="utf-8"))["recipe"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        return from_dict(Recipe, section, str(file))
    except ValueError:
        name = section.get("name") if isinstance(section, dict) else None
        return load_recipe(name) if name in recipe_names() else None
