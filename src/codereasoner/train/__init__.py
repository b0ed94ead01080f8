"""Training stage: the embedded tiny model, SFT, GRPO and Bi-Level GRPO on TRL, and verl export/plugins.

Importable only with the [train] extra (torch, transformers, trl); this package file itself imports nothing
heavy: `codereasoner.train.config` (the recipe's `train:` section) must load without torch.
- tiny.py       tokenizer trained locally + tiny Llama from a config (the quickstart's model)
- sft.py        TRL SFTTrainer (completion-only loss, chat template)
- config.py     the recipe's `train:` section (torch-free); batch.py verl-style batch sizes -> TRL arguments,
                stage slices; plan.py `train plan` (batch + memory estimate); card.py the model card
- grpo.py       TRL GRPOTrainer + our seam: vLLM rollouts, optional zero-spread drop, curriculum order
- bilevel.py    StepCodeReasoner Bi-Level GRPO (pure torch math + (B, T) advantages into TRL's loss)
- stage2.py     ExecVerify stage II code-generation tasks from the synthesised programs
- runner.py     resumable stages (model in, model out, logs); heldout.py greedy accuracy; curves.py step logs
- verl.py       parquet export, compute_score, Bi-Level estimator; verl_plugin.py loads inside verl
"""
