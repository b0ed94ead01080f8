"""Orchestration: the pipeline's stages, each resumable and guarded by its output directory's parameters.

    data      pipeline/data.py      recipe → programs → engine → tasks (`codereasoner data build`)
    split     pipeline/split.py     SFT / RL / validation / test, the test programs unseen by skeleton
    sft       pipeline/sft.py       samples (trace chains or answers) → tiny model or checkpoint → SFT
    grpo      pipeline/grpo.py      RL tasks → GRPO or Bi-Level GRPO with the recipe's reward
    evaluate  pipeline/evaluate.py  greedy accuracy on held-out tasks, with a 95 % interval
    report    pipeline/report.py    report.json, report.md and plots

Every stage writes into its own directory, guarded by `codereasoner.outdir.claim`: a rerun with the same
parameters resumes, different parameters are refused naming the changed keys (or start over with
`overwrite`), and two runs cannot write into one directory at once. `quickstart.py` and `experiment.py`
chain the stages; `cli/` only parses arguments and calls them.
"""

from __future__ import annotations

from codereasoner.pipeline.data import DataConfig, DataSummary, build_data

__all__ = ["DataConfig", "DataSummary", "build_data"]
