"""Generation end to end: the shipped NB201 checkpoint, a tiny training run, splits, metrics."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_diffusionnag.diffusion import DiffusionConfig, SamplerConfig
from naslib_diffusionnag.errors import CheckpointError, ConfigError
from naslib_diffusionnag.generation import (
    ArchitectureGenerator,
    generation_metrics,
    pretrained_path,
    split_from_spec,
    training_split,
)
from naslib_diffusionnag.spaces import NB201Space


@pytest.fixture(scope="module")
def shipped() -> ArchitectureGenerator:
    return ArchitectureGenerator.load("nb201")


def test_shipped_checkpoint_is_small_and_described(shipped):
    path = pretrained_path("nb201")
    assert path.stat().st_size < 5 * 2**20
    assert (path.parent / "README.md").read_text().count("diffusionnag train --space nb201") >= 1
    assert shipped.metadata["space"] == {"name": "nb201", "options": {"adjacency": "true"}}
    assert shipped.metadata["split"]["size"] == 15625
    torch.load(path, weights_only=True)


@pytest.mark.slow
def test_shipped_checkpoint_generates_valid_unique_cells(shipped, bench):
    result = shipped.sample(1000, seed=0)
    m = generation_metrics(result.archs, shipped.training_archs())
    assert m["validity"] >= 0.999
    assert m["uniqueness"] >= 0.94  # uniform sampling of 1,000 from 15,625 gives 0.969
    assert m["novelty"] == 0.0  # trained on every cell
    assert set(result.valid) <= set(bench.archs)
    assert result.nfe == 2 * shipped.config.sampler.steps
    # the model learned the data distribution: each op appears about 1/5 of the time
    ops = [op for a in result.valid for op in shipped.space.ops(a)]
    for op in ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"):
        assert 0.15 < ops.count(op) / len(ops) < 0.25


def test_sampling_is_deterministic_per_seed(shipped):
    cfg = SamplerConfig(steps=10)
    a = shipped.sample(64, seed=7, sampler=cfg).archs
    assert a == shipped.sample(64, seed=7, sampler=cfg).archs
    assert a != shipped.sample(64, seed=8, sampler=cfg).archs


def test_training_split_is_seeded_and_regenerable():
    space = NB201Space()
    archs, spec = training_split(space, 0.5, seed=3)
    assert len(archs) == spec["size"] == 7812 and len(set(archs)) == 7812
    assert split_from_spec(space, spec) == archs
    assert set(archs) != set(training_split(space, 0.5, seed=4)[0])
    with pytest.raises(ValueError, match="fraction"):
        training_split(space, 1.5, seed=0)
    tampered = dict(spec, sha256="0" * 64)
    with pytest.raises(CheckpointError, match="checksum"):
        split_from_spec(space, tampered)


def test_generation_metrics_definitions():
    archs = ["a", "a", "b", None, "c"]
    m = generation_metrics(archs, train={"a"})
    assert m == {"n": 5, "valid": 4, "validity": 0.8, "uniqueness": 0.75, "novelty": pytest.approx(2 / 3)}


@pytest.mark.slow
def test_tiny_training_run_learns_valid_cells(tmp_path):
    """A small model trained briefly on a 20 % split already produces mostly valid cells,
    and its checkpoint reloads to the same samples."""
    cfg = DiffusionConfig().with_overrides(
        model={"d_model": 32, "n_layers": 2, "n_heads": 2, "d_ff": 64, "head_hidden": 64},
        train={"steps": 600, "batch_size": 256, "lr": 3e-3, "warmup": 20, "seed": 1},
        sampler={"steps": 20},
    )
    gen = ArchitectureGenerator.train(NB201Space(), cfg, fraction=0.2, progress=False)
    losses = gen.metadata["losses"]
    assert losses[-1] < 0.5 * losses[0]
    first = gen.sample(300, seed=0)
    m = generation_metrics(first.archs, gen.training_archs())
    assert m["validity"] > 0.8
    assert 0.5 < m["novelty"] < 0.95  # generalises beyond the 20 % it saw
    path = gen.save(tmp_path / "tiny.pt")
    again = ArchitectureGenerator.load("nb201", path)
    assert again.sample(300, seed=0).archs == first.archs


def test_checkpoint_of_another_space_is_refused(tmp_path, shipped):
    meta = dict(shipped.metadata, space={"name": "mbv3", "options": {}})
    path = ArchitectureGenerator(shipped.space, shipped.config, shipped.model, meta).save(tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="trained for search space 'mbv3', not 'nb201'"):
        ArchitectureGenerator.load("nb201", path)


def test_official_adjacency_checkpoint_reloads_its_own_space(tmp_path, shipped):
    space = NB201Space("official")
    cfg = shipped.config.with_overrides(train={"steps": 2})
    gen = ArchitectureGenerator.train(space, cfg, fraction=0.01, progress=False)
    again = ArchitectureGenerator.load("nb201", gen.save(tmp_path / "o.pt"))
    assert torch.equal(again.space.adjacency(), space.adjacency())


@pytest.mark.parametrize("space", ["nb201", "mbv3"])
def test_shipped_checkpoint_config_is_the_committed_config(space):
    """`diffusionnag train --config configs/<space>.yaml` must reproduce the shipped model,
    sampler default included: the two may not drift apart."""
    root = pretrained_path(space).parents[2]
    assert ArchitectureGenerator.load(space).config == DiffusionConfig.from_yaml(root / "configs" / f"{space}.yaml")


@pytest.mark.slow
def test_shipped_mbv3_model_generates_valid_subnets_at_its_default_sampler():
    gen = ArchitectureGenerator.load("mbv3")
    result = gen.sample(100, seed=11)
    assert len(result.valid) >= 99  # benchmarks_results/mbv3.md: 3 invalid in 10,000
    assert result.nfe == 2 * gen.config.sampler.steps
    assert len(set(result.valid)) == len(result.valid)  # ~2e19 subnets: repeats would mean collapse
    cheap = gen.sample(100, seed=11, sampler=gen.config.with_overrides(sampler={"steps": 40}).sampler)
    assert len(cheap.valid) >= 95


def test_public_api_is_lazy_and_complete():
    """Every public name resolves to the object its module defines, and importing the package
    alone does not import torch (the CLI's --help stays fast)."""
    import importlib
    import subprocess
    import sys

    import naslib_diffusionnag as dn

    for name, module in dn._EXPORTS.items():
        assert getattr(dn, name) is getattr(importlib.import_module(f"naslib_diffusionnag.{module}"), name)
    code = "import sys, naslib_diffusionnag; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_edits_keep_what_little_noise_leaves_and_change_more_with_more(shipped):
    """sample_edits (SDEdit): started from cells noised to a small time the model hands them
    back; at 0.6 it moves them a few edits (the noise level diffusion-BO's stall edits use);
    a run is deterministic per seed and counts only the steps it made."""
    space = shipped.space
    starts = space.sample(10, np.random.default_rng(100))

    def edits(archs):
        return [int((space.encode([a])[0].argmax(-1) != space.encode([starts[i % 10]])[0].argmax(-1)).sum())
                for i, a in enumerate(archs)]

    kept = shipped.sample_edits(starts, 20, 0, 0.1)
    assert kept.valid == [starts[i % 10] for i in range(20)] and kept.nfe == 2 * 4  # 40 steps * 0.1, + corrector
    moved = shipped.sample_edits(starts, 40, 0, 0.6)
    assert moved.archs == shipped.sample_edits(starts, 40, 0, 0.6).archs
    d = edits(moved.valid)
    assert len(moved.valid) >= 38 and 1.0 <= np.mean(d) <= 3.5 and max(d) <= 6
    assert np.mean(edits(shipped.sample_edits(starts, 40, 0, 0.8).valid)) > np.mean(d)
    for t in (0.0, 1.5, float("nan")):
        with pytest.raises(ConfigError, match=r"t_start .* must be a finite number in \(0, 1\]"):
            shipped.sample_edits(starts, 4, 0, t)
    with pytest.raises(ConfigError, match="at least one architecture"):
        shipped.sample_edits([], 4, 0, 0.5)
