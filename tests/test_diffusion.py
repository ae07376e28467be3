"""Diffusion core: SDE, mask, score network, loss, sampler, EMA, checkpoints (no search space)."""
from __future__ import annotations

import math

import pytest
import torch

from naslib_diffusionnag.diffusion import (
    VESDE,
    Checkpoint,
    DiffusionConfig,
    ModelConfig,
    SamplerConfig,
    ScoreTransformer,
    SDEConfig,
    TrainConfig,
    attention_mask,
    dsm_loss,
    get_score_fn,
    load_checkpoint,
    pc_sample,
    save_checkpoint,
    sde_preset,
    train_score_model,
)
from naslib_diffusionnag.diffusion.ema import EMA
from naslib_diffusionnag.errors import CheckpointError, UnknownNameError

CHAIN = torch.diag(torch.ones(4), 1)  # 5-node chain 0->1->2->3->4


def test_ve_sde_noise_schedule():
    sde = VESDE(SDEConfig(0.1, 5.0))
    t = torch.tensor([0.0, 0.5, 1.0])
    assert torch.allclose(sde.sigma(t), torch.tensor([0.1, math.sqrt(0.1 * 5.0), 5.0]))
    x = torch.zeros(3, 2, 2)
    drift, g = sde.sde(x, t)
    assert torch.all(drift == 0)
    # g^2 = d sigma^2 / dt
    h = 1e-4
    dsig2 = (sde.sigma(t + h) ** 2 - sde.sigma(t - h) ** 2) / (2 * h)
    assert torch.allclose(g**2, dsig2, rtol=1e-3)


def test_presets_and_bad_config():
    assert sde_preset("nb201-transfer").sigma_max == 20.0
    with pytest.raises(UnknownNameError, match="nb201"):
        sde_preset("nb202")
    with pytest.raises(ValueError, match="sigma_min"):
        SDEConfig(1.0, 0.5)
    with pytest.raises(ValueError, match="unknown keys"):
        DiffusionConfig.from_dict({"model": {"d_modle": 64}})
    cfg = DiffusionConfig.from_dict({"sde": "mbv3", "train": {"steps": 7}})
    assert cfg.sde.sigma_max == 1.0 and cfg.train.steps == 7
    assert DiffusionConfig.from_dict(cfg.to_dict()) == cfg


def test_attention_masks():
    succ = attention_mask(CHAIN, "successors")
    assert succ[0].tolist() == [False, True, False, False, False]
    assert succ[4].all()  # the sink attends everywhere
    closure = attention_mask(CHAIN, "closure")
    assert closure[1].tolist() == [False, False, True, True, True]
    assert attention_mask(CHAIN, "full").all()


def _net(n_layers: int = 2, **kw) -> ScoreTransformer:
    cfg = ModelConfig(d_model=32, n_layers=n_layers, n_heads=2, d_ff=32, head_hidden=32, **kw)
    torch.manual_seed(0)
    return ScoreTransformer(3, CHAIN, torch.arange(5), cfg).eval()


def test_positional_embedding_breaks_node_symmetry():
    """Without positions and without a mask, the network is node-permutation equivariant;
    positional embedding is what tells nodes apart."""
    x, sigma = torch.randn(4, 5, 3), torch.full((4,), 0.7)
    perm = torch.tensor([3, 1, 4, 0, 2])
    plain = _net(positional=False, mask="full")
    assert torch.allclose(plain(x, sigma)[:, perm], plain(x[:, perm], sigma), atol=1e-5)
    pos = _net(positional=True, mask="full")
    assert not torch.allclose(pos(x, sigma)[:, perm], pos(x[:, perm], sigma), atol=1e-3)


def test_mask_limits_information_flow():
    """One block with the successor mask: a node sees only its successor (and the sink sees
    all), so changing node 0's input must not change nodes 1..3's outputs."""
    net = _net(n_layers=1, positional=True, mask="successors")
    x, sigma = torch.randn(2, 5, 3), torch.full((2,), 1.0)
    y = x.clone(); y[:, 0] += 3.0
    out_x, out_y = net(x, sigma), net(y, sigma)
    assert torch.allclose(out_x[:, 1:4], out_y[:, 1:4], atol=1e-5)
    assert not torch.allclose(out_x[:, 0], out_y[:, 0], atol=1e-3)


def test_sampler_recovers_a_point_mass_with_the_exact_score():
    """For data at a single point mu, the VE marginal score is -(x - mu) / sigma(t)^2;
    the PC sampler must bring prior noise back to mu."""
    sde = VESDE(SDEConfig(0.01, 5.0))
    mu = torch.tensor([[1.0, -1.0, 1.0]]).expand(5, 3)

    def exact(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return -(x - mu) / sde.sigma(t)[:, None, None] ** 2

    x = pc_sample(exact, sde, (64, 5, 3), SamplerConfig(steps=200), torch.Generator().manual_seed(0))
    assert (x - mu).abs().max() < 0.1
    assert x.std() > 0.5  # not collapsed to zero: it really moved from N(0, 25) to mu


def test_sampler_is_deterministic_per_seed():
    net, sde = _net(), VESDE(SDEConfig())
    fn = get_score_fn(net, sde)
    cfg = SamplerConfig(steps=5)
    with torch.no_grad():
        a = pc_sample(fn, sde, (3, 5, 3), cfg, torch.Generator().manual_seed(1))
        b = pc_sample(fn, sde, (3, 5, 3), cfg, torch.Generator().manual_seed(1))
        c = pc_sample(fn, sde, (3, 5, 3), cfg, torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert cfg.nfe == 10


def test_training_lowers_the_loss_and_is_reproducible():
    sde = VESDE(SDEConfig())
    data = torch.zeros(64, 5, 3)
    data[torch.arange(64), :, torch.randint(0, 3, (64,), generator=torch.Generator().manual_seed(0))] = 1
    cfg = TrainConfig(steps=150, batch_size=32, warmup=10, seed=0)
    runs = [train_score_model(_net().train(), sde, data, cfg, progress=False, log_every=25) for _ in range(2)]
    assert runs[0].losses == runs[1].losses
    assert runs[0].losses[-1] < 0.7 * runs[0].losses[0]
    gen = torch.Generator().manual_seed(0)
    fn = get_score_fn(runs[0].ema_model, sde)
    with torch.no_grad():
        assert dsm_loss(fn, sde, 2 * data - 1, gen).item() < runs[0].losses[0]


def test_ema_warm_up_and_tracking():
    net = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(net.weight)
    ema = EMA(net, decay=0.9)
    with torch.no_grad():
        net.weight.fill_(1.0)
    ema.update(net)  # decay min(0.9, 2/11)
    assert ema.model.weight.item() == pytest.approx(1 - 2 / 11)
    for _ in range(200):
        ema.update(net)
    assert ema.model.weight.item() == pytest.approx(1.0, abs=1e-6)


def test_checkpoint_round_trip_and_errors(tmp_path):
    net = _net()
    cfg = DiffusionConfig(model=net.cfg)
    path = save_checkpoint(tmp_path / "m.pt", Checkpoint(cfg, net.state_dict(), {"space": {"name": "x"}}))
    torch.load(path, weights_only=True)  # plain tensors and containers only
    ck = load_checkpoint(path)
    assert ck.config == cfg and ck.metadata["space"]["name"] == "x"
    again = ScoreTransformer(3, CHAIN, torch.arange(5), ck.config.model)
    again.load_state_dict(ck.state_dict)
    x, s = torch.randn(2, 5, 3), torch.ones(2)
    assert torch.equal(again.eval()(x, s), net(x, s))
    with pytest.raises(FileExistsError, match="exists"):
        save_checkpoint(path, ck)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    payload = torch.load(path, weights_only=True)
    payload["format_version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format 99"):
        load_checkpoint(tmp_path / "future.pt")
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable"):
        load_checkpoint(tmp_path / "junk.pt")
