"""codereasoner: teach language models to reason about code execution.

One framework for the CodeReasoner, ExecVerify and StepCodeReasoner recipes: programs → isolated
execution → tasks → reasoning chains → rewards → training and evaluation. Importing this package loads
no torch; training and model backends live behind the `[train]`, `[vllm]` and `[verl]` extras.
"""

from codereasoner.records import (
    Generation,
    Program,
    Report,
    Run,
    RunStatus,
    Sample,
    Step,
    Task,
    Trace,
    Value,
    Verdict,
    VerdictStatus,
)

__version__ = "0.1.0"

__all__ = [
    "Generation",
    "Program",
    "Report",
    "Run",
    "RunStatus",
    "Sample",
    "Step",
    "Task",
    "Trace",
    "Value",
    "Verdict",
    "VerdictStatus",
    "__version__",
]
