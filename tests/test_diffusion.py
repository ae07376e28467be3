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
    normal_like,
    pc_sample,
    save_checkpoint,
    scoped_seed,
    sde_preset,
    train_score_model,
    uniform_like,
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
    neighbours = attention_mask(CHAIN, "neighbours")
    assert neighbours[2].tolist() == [False, True, False, True, False]
    assert neighbours[0].tolist() == [False, True, False, False, False]
    assert neighbours[4].tolist() == [False, False, False, True, False]  # the sink sees its predecessor
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


@pytest.mark.slow
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
    (tmp_path / "m.pt.tmp").write_text("a user's file")  # the fixed temporary name once clobbered it
    save_checkpoint(path, ck, overwrite=True)
    assert (tmp_path / "m.pt.tmp").read_text() == "a user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt", "m.pt.tmp"]  # no temporary file left
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    payload = torch.load(path, weights_only=True)
    payload["format_version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format 99"):
        load_checkpoint(tmp_path / "future.pt")
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="junk.pt is not a diffusionnag checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")


# ---- device / dtype agnosticism and RNG hygiene --------------------------------------------
def _gaussian_score(sde: VESDE, mu: float, s0: float):
    """Exact score of p_t = N(mu, s0^2 + sigma(t)^2) per entry (data N(mu, s0^2), VE perturbation)."""
    def score(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return -(x - mu) / (s0**2 + sde.sigma(t)[:, None, None] ** 2)
    return score


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pc_predictor_matches_the_exact_gaussian_recursion(dtype):
    """Known values: with a Gaussian data distribution and its exact score, each Euler-Maruyama
    step is the linear map x' = x - k (x - mu) + g sqrt(1/steps) z, k = g^2 / (steps v(t)), so
    the sample mean and variance after the sampler follow a recursion computed here without any
    sampling; they must also land near the data's N(mu, s0^2). Also: the dtype is kept."""
    sde, mu, s0, steps = VESDE(SDEConfig(0.01, 10.0)), 2.0, 0.5, 100
    cfg = SamplerConfig(steps=steps, corrector_steps=0)
    x = pc_sample(_gaussian_score(sde, mu, s0), sde, (4000, 2, 2), cfg, torch.Generator().manual_seed(0), dtype=dtype)
    assert x.dtype == dtype
    m, q = 0.0, sde.sigma_max**2  # the prior N(0, sigma_max^2)
    for i, t in enumerate(torch.linspace(1.0, cfg.eps, steps, dtype=torch.float64)):
        g2 = float(sde.sde(torch.zeros(1), t[None])[1][0]) ** 2
        k = g2 / (steps * (s0**2 + float(sde.sigma(t)) ** 2))
        m, q = m - k * (m - mu), (1 - k) ** 2 * q + (g2 / steps if i < steps - 1 else 0.0)  # noise removal
    n = x.numel()
    assert float(x.mean()) == pytest.approx(m, abs=4 * math.sqrt(q / n))
    assert float(x.var()) == pytest.approx(q, rel=4 * math.sqrt(2 / n))
    assert m == pytest.approx(mu, abs=0.05) and q == pytest.approx(s0**2, rel=0.1)


def test_sampler_and_loss_keep_float64():
    sde = VESDE(SDEConfig())
    net = _net().double()
    fn = get_score_fn(net, sde)
    with torch.no_grad():
        x = pc_sample(fn, sde, (3, 5, 3), SamplerConfig(steps=3), torch.Generator().manual_seed(0),
                      dtype=torch.float64)
    assert x.dtype == torch.float64 and torch.isfinite(x).all()
    x0 = torch.randn(4, 5, 3, dtype=torch.float64)
    loss = dsm_loss(fn, sde, x0, torch.Generator().manual_seed(0))
    assert loss.dtype == torch.float64
    loss.backward()
    assert next(net.parameters()).grad.dtype == torch.float64


def test_float32_cpu_noise_is_the_stream_committed_results_used():
    """Noise made like a float32 CPU tensor is exactly ``torch.randn(shape, generator=g)``, the
    draw every committed result was made with."""
    like = torch.empty(3, 4)
    assert torch.equal(normal_like(like, torch.Generator().manual_seed(5)),
                       torch.randn((3, 4), generator=torch.Generator().manual_seed(5)))
    assert torch.equal(uniform_like(like, torch.Generator().manual_seed(5), (7,)),
                       torch.rand(7, generator=torch.Generator().manual_seed(5)))
    assert normal_like(like.double(), torch.Generator().manual_seed(5)).dtype == torch.float64


def test_training_leaves_the_global_rng_alone():
    data = torch.zeros(16, 5, 3)
    data[:, :, 0] = 1
    net = _net(dropout=0.1).train()  # _net seeds the global RNG itself
    torch.manual_seed(123)
    state = torch.get_rng_state()
    train_score_model(net, VESDE(SDEConfig()), data, TrainConfig(steps=3, batch_size=4), progress=False)
    assert torch.equal(torch.get_rng_state(), state)
    with scoped_seed(7):
        a = torch.rand(3)
    assert torch.equal(a, torch.rand(3, generator=torch.Generator().manual_seed(7)))  # seeded inside
    assert torch.equal(torch.get_rng_state(), state)
