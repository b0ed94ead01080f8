"""Answer extraction follows each official harness's string rules and never executes anything."""

from __future__ import annotations

from codereasoner.evaluation.benchmarks.extraction import cruxeval_extract, extract_answer, lcb_extract, tagged_extract
from codereasoner.records import Task


def _task(kind: str, func: str = "f") -> Task:
    return Task("t", kind, "def f(x):\n    return x", f"{func}(1)", {"func": func, "input": "1", "output": "1"}, "1")


def test_cruxeval_output_rules():
    assert cruxeval_extract("assert f(1) == [1, 2]\n[/ANSWER]\ntrailing", "output", cot=False) == "[1, 2]"
    cot = "[THOUGHT]\nso f(1) == 3?\n[/THOUGHT]\n[ANSWER]\nassert f(1) == 3\n[/ANSWER]"
    assert cruxeval_extract(cot, "output", cot=True) == "3"
    # the official split keeps only the text between the first and the second `==`
    assert cruxeval_extract("assert f(1) == 'a == b'", "output", cot=False) == "'a"


def test_cruxeval_input_rules():
    assert cruxeval_extract("[ANSWER]\nassert f([1]) == 3\n[/ANSWER]", "input", cot=False) == "f([1])"
    cot = "[THOUGHT]\nassert f(2) is a guess\n[/THOUGHT]\n[ANSWER]\nassert f(16) == 17\n[/ANSWER]"
    assert cruxeval_extract(cot, "input", cot=True) == "f(16)"


def test_lcb_rules_cut_at_first_line_without_closing_tag():
    assert lcb_extract("assert g(a = 1) == 5\nmore text", cot=False) == "5"
    assert lcb_extract("[THOUGHT]x[/THOUGHT][ANSWER]assert g(a = 1) == [1]\n[/ANSWER]", cot=True) == "[1]"


def test_tagged_extraction_reads_the_last_answer_block():
    text = ("<reasoning>maybe <answer>no</answer></reasoning><answer>\n```python\ndef f(x):\n    return x\n\n"
            "assert f(1) == {'a': 1}\n```\n</answer>")
    assert tagged_extract(text, "output") == "{'a': 1}"
    assert tagged_extract("<answer>assert f(3, 'x') == 4</answer>", "input") == "f(3, 'x')"
    assert tagged_extract("<answer>[1, 2]</answer>", "output") == "[1, 2]"
    assert tagged_extract("no tags at all", "output") == ""


def test_extract_answer_by_style_and_harness():
    assert extract_answer("<answer>assert f(1) == 2</answer>", _task("output"), "codereasoner") == "2"
    assert extract_answer("7\nmore", _task("output"), "minimal") == "7"
    assert extract_answer("[1, 2]\n", _task("input"), "minimal") == "f([1, 2])"
    lcb_in = _task("input", func="solve")
    assert extract_answer("assert solve(n = 3) == 1\n[/ANSWER]", lcb_in, "direct", harness="lcb") == "solve(n = 3)"
