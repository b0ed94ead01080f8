"""The embedded tiny model: locally trained tokenizer (digits, chat template, padding) and model size."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

from codereasoner.train.tiny import CHAT_TEMPLATE, TinySpec, build_model, build_tiny, load_tokenizer, train_tokenizer  # noqa: E402

TEXTS = [f"def f(x):\n    return x + {i}\n>>> f({i * 7})\n{i * 8}" for i in range(200)] + ["'abc'.upper() True False []"]


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer(TEXTS, vocab_size=300)


def test_digits_are_one_token_each(tok):
    pieces = tok.convert_ids_to_tokens(tok("12345", add_special_tokens=False)["input_ids"])
    assert pieces == ["1", "2", "3", "4", "5"]


def test_chat_template_prompt_is_a_prefix_of_the_full_conversation(tok):
    user = [{"role": "user", "content": "def f(x):\n    return x\n>>> f(3)\n"}]
    prompt = tok.apply_chat_template(user, tokenize=False, add_generation_prompt=True)
    full = tok.apply_chat_template(user + [{"role": "assistant", "content": "3"}], tokenize=False)
    assert full.startswith(prompt) and full.endswith(tok.eos_token)
    assert tok.chat_template == CHAT_TEMPLATE


def test_prompt_and_completion_tokenise_the_same_apart_and_together(tok):
    # GRPO splits prompt and completion ids; the split must not change the tokens.
    for text in TEXTS[:50]:
        prompt, completion = text.rsplit("\n", 1)
        prompt += "\n"
        apart = tok(prompt, add_special_tokens=False)["input_ids"] + tok(completion, add_special_tokens=False)["input_ids"]
        assert apart == tok(prompt + completion, add_special_tokens=False)["input_ids"]


def test_saved_model_loads_with_left_padding(tmp_path):
    path = build_tiny(TEXTS, tmp_path / "m", TinySpec(vocab_size=300, hidden_size=32, num_layers=1, num_heads=2,
                                                    intermediate_size=64))
    loaded = load_tokenizer(path)
    assert loaded.padding_side == "left"  # transformers 5.23 does not persist it (docs/training.md)
    assert loaded.pad_token == "<pad>" and loaded.eos_token == "<eos>"
    assert (path / "config.json").is_file()


def test_default_model_is_about_a_million_parameters(tok):
    model = build_model(tok, TinySpec())
    n = sum(p.numel() for p in model.parameters())
    assert 0.5e6 < n < 5e6
    assert model.config.tie_word_embeddings and model.generation_config.eos_token_id == tok.eos_token_id
