"""Evaluation: the benchmark registry. Each built-in benchmark is one module, imported here by name.

`BENCHMARKS.get("cruxeval")` returns the class; `BENCHMARKS.names()` is complete after importing this
package (explicit imports below, no init call to forget). Loading never imports torch.
"""

from __future__ import annotations

from codereasoner.registry import Registry

BENCHMARKS: Registry[type] = Registry("benchmark")

from codereasoner.evaluation.benchmarks import codegen, cruxeval, lcb_exec, reval  # noqa: E402,F401

__all__ = ["BENCHMARKS"]
