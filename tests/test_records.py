"""Records ↔ JSON: round trips, unknown-field pass-through, and validation messages that name the field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codereasoner.records import (
    Program,
    Run,
    RunStatus,
    Sample,
    Step,
    Task,
    Trace,
    Value,
    Verdict,
    VerdictStatus,
    from_json,
    to_json,
)


def test_run_with_trace_round_trips_through_json():
    trace = Trace(
        steps=(
            Step("call", "f", 1, {"x": Value("1", "int")}),
            Step("return", "f", 2, {"x": Value("1", "int")}, value=Value("2", "int")),
        ),
        coverage=(1, 2),
        python="3.11",
    )
    run = Run("r1", RunStatus.OK, result="2", stdout="hi\n", trace=trace)
    data = json.loads(json.dumps(to_json(run)))
    assert data["status"] == "ok"
    assert data["trace"]["steps"][1]["value"] == {"repr": "2", "type": "int"}
    assert from_json(Run, data) == run


def test_unknown_fields_are_kept_and_written_back():
    obj = {"id": "p", "code": "def f(): return 1", "call": "f()", "origin_url": "x", "tags": [1, 2]}
    program = from_json(Program, obj)
    assert program.meta == {"origin_url": "x", "tags": [1, 2]}
    assert to_json(program) == {**obj, "source": "", "difficulty": 0}


def test_missing_field_error_names_place_and_field():
    with pytest.raises(ValueError, match=r"in.jsonl:3: missing field 'call'"):
        from_json(Program, {"id": "p", "code": "x"}, "in.jsonl:3")


def test_wrong_type_error_names_field():
    with pytest.raises(ValueError, match="field 'difficulty'"):
        from_json(Program, {"id": "p", "code": "", "call": "", "difficulty": "hard"}, "f:1")


def test_unknown_status_lists_known_ones():
    with pytest.raises(ValueError, match="timeout"):
        from_json(Run, {"id": "r", "status": "exploded"})


def test_nested_sample_and_verdict_round_trip():
    task = Task("t", "output", "def f(x): return x", "f(1)", {}, "1", prompt="p", difficulty=1, recipe="tiny")
    sample = Sample(task, "<answer>1</answer>", "trace", True)
    assert from_json(Sample, to_json(sample)) == sample
    verdict = Verdict("t", False, VerdictStatus.WRONG, "expected 1", parts={"q1": True})
    assert from_json(Verdict, to_json(verdict)) == verdict


def test_step_rejects_unknown_event():
    with pytest.raises(ValueError, match="Step.event"):
        Step("jump", "f", 1)


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))


@given(
    code=st.text(max_size=50),
    extra=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in Program.__slots__), json_scalars, max_size=4),
)
def test_program_json_round_trip_law(code, extra):
    obj = {"id": "p", "code": code, "call": "f()", "source": "s", "difficulty": 2, **extra}
    assert to_json(from_json(Program, obj)) == obj
