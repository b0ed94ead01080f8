"""Stage 2 (programs/synth): the rule-based program synthesizer — ExecVerify's knobs without an LLM.

`RuleSynthesizer(SynthConfig.at_level(k)).programs(rng)` draws (type, method) seed pairs as often as real code
uses them (`seeds="usage"`), or cycles over all of them in a fresh shuffled order each round (`"cycle"`, as
ExecVerify cycles over its pairs in file order); writes one function per seed with `compose` (or, for a
`lcb_share` of them, a LiveCodeBench-style function from `lcb`), skips exact repeats, and emits
`calls_per_program` Programs per function, each with a distinct call drawn by `inputs.generate_calls`.
Same rng seed → same programs, ids included.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

from codereasoner.programs import PROGRAM_SOURCES
from codereasoner.programs.base import ProgramSource
from codereasoner.programs.inputs import RECIPES, generate_calls
from codereasoner.programs.synth import lcb
from codereasoner.programs.synth.catalogue import BY_PAIR, OPS, PAIRS, weight
from codereasoner.programs.synth.compose import compose
from codereasoner.programs.synth.knobs import LEVELS, SynthConfig
from codereasoner.records import Program

__all__ = ["LEVELS", "OPS", "PAIRS", "RuleSynthesizer", "SynthConfig"]

_MAX_REPEATS = 2_000  # consecutive duplicate functions before the space is considered exhausted


@PROGRAM_SOURCES.register("synth")
class RuleSynthesizer(ProgramSource):
    """Short CRUXEval-style functions over built-in types and methods, at ExecVerify's difficulty levels."""

    Config = SynthConfig
    config: SynthConfig
    trusted = True  # the framework's own programs on literal inputs

    def programs(self, rng: random.Random) -> Iterator[Program]:
        cfg = self.config
        recipe = RECIPES[cfg.scale]
        pairs = list(cfg.seed_pairs())
        knobs = {"nested": cfg.nested, "other_methods": cfg.other_methods, "call_chain": cfg.call_chain,
                 "depth": cfg.depth}
        seen: set[bytes] = set()
        emitted = repeats = 0
        weights = [weight(p) for p in pairs]
        # the family is for whole-stream realism: off for small scale and when seeds are restricted
        lcb_share = cfg.lcb_share if cfg.realistic and not (cfg.types or cfg.methods) else 0.0
        while True:
            if cfg.seeds == "cycle":
                order = pairs[:]
                rng.shuffle(order)
            else:
                order = rng.choices(pairs, weights=weights, k=len(pairs))
            for pair in order:
                if lcb_share and rng.random() < lcb_share:
                    made = lcb.compose(cfg, rng)
                else:
                    made = compose(rng.choice(BY_PAIR[pair]), cfg, rng)
                if made is None:  # every try was degenerate: counts as a repeat, so a narrow config ends
                    repeats += 1
                    if repeats > _MAX_REPEATS:
                        return
                    continue
                digest = hashlib.sha1(made.code.encode()).hexdigest()[:12]
                # the same function up to names (and input types: `v[:]` on a list and on a tuple test
                # different pairs) is a repeat; a held-out split must not see it twice
                shape = hashlib.sha1(f"{made.skeleton}\0{made.param_tags}".encode()).digest()
                if shape in seen:
                    repeats += 1
                    if repeats > _MAX_REPEATS:
                        return
                    continue
                repeats = 0
                seen.add(shape)
                calls = generate_calls(made.param_tags, cfg.calls_per_program, recipe, rng, made.hints)
                family = "lcb" if made.used and made.used[0].startswith("lcb.") else "cruxeval"
                meta = {"family": family, "seed": made.used[0] if family == "lcb" else pair, "ops": list(made.used),
                        "control": list(made.control), "level": cfg.level, "scale": cfg.scale, "code_id": digest,
                        "knobs": knobs}
                for j, call in enumerate(calls):
                    yield Program(id=f"synth-L{cfg.level}-{digest}-{j}", code=made.code, call=call,
                                  source="synth", difficulty=cfg.level, meta=meta)
                    emitted += 1
                    if cfg.count and emitted >= cfg.count:
                        return
