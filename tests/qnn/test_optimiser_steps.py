import copy

import pytest
import torch

from qnn.optimiser_steps import optimiser_steps


def _model_and_data(seed: int):
    generator = torch.Generator().manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator))
    return model, torch.randn(16, 4, generator=generator), torch.randint(0, 2, (16,), generator=generator)


def _train(model, x, y, zero_grad, step, n_steps: int, frozen: dict | None = None):
    """n_steps steps on x, y; at step k, `frozen[k]` (a parameter) gets no gradient."""
    for k in range(n_steps):
        zero_grad()
        for p in model.parameters():
            p.requires_grad_(p is not (frozen or {}).get(k))
        torch.nn.functional.cross_entropy(model(x), y).backward()
        step()


def _assert_same_run(lean, reference, lean_optimiser, reference_optimiser):
    for p, q in zip(lean.parameters(), reference.parameters(), strict=True):
        assert torch.equal(p, q)
        for key in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(lean_optimiser.state[p][key], reference_optimiser.state[q][key])


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_lean_adam_gives_torchs_fused_adam_bit_for_bit_and_skips_its_step(weight_decay, monkeypatch):
    lean, x, y = _model_and_data(0)
    reference, _, _ = _model_and_data(0)
    options = {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-7, "weight_decay": weight_decay, "fused": True}
    lean_optimiser = torch.optim.Adam(lean.parameters(), **options)
    reference_optimiser = torch.optim.Adam(reference.parameters(), **options)
    calls = []
    step_of_torch = lean_optimiser.step
    monkeypatch.setattr(lean_optimiser, "step", lambda: calls.append(1) or step_of_torch())
    _train(lean, x, y, *optimiser_steps(lean_optimiser), 25)
    _train(reference, x, y, reference_optimiser.zero_grad, reference_optimiser.step, 25)
    _assert_same_run(lean, reference, lean_optimiser, reference_optimiser)
    assert len(calls) == 1  # torch's step made the state; the other 24 were the lean ones
    assert lean_optimiser.state[next(lean.parameters())]["step"].item() == 25


def test_lean_adam_follows_a_changed_learning_rate():
    lean, x, y = _model_and_data(1)
    reference, _, _ = _model_and_data(1)
    lean_optimiser = torch.optim.Adam(lean.parameters(), lr=0.05, fused=True)
    reference_optimiser = torch.optim.Adam(reference.parameters(), lr=0.05, fused=True)
    zero_grad, step = optimiser_steps(lean_optimiser)
    for optimiser, model, steps in ((lean_optimiser, lean, (zero_grad, step)), (reference_optimiser, reference, None)):
        steps = steps or (optimiser.zero_grad, optimiser.step)
        _train(model, x, y, *steps, 5)
        optimiser.param_groups[0]["lr"] = 0.2
        _train(model, x, y, *steps, 5)
    _assert_same_run(lean, reference, lean_optimiser, reference_optimiser)


def test_a_step_without_some_gradient_is_torchs_own():
    lean, x, y = _model_and_data(2)
    reference, _, _ = _model_and_data(2)
    lean_optimiser = torch.optim.Adam(lean.parameters(), lr=0.05, fused=True)
    reference_optimiser = torch.optim.Adam(reference.parameters(), lr=0.05, fused=True)
    # The first layer's bias gets no gradient at steps 0 and 3: its state starts late and skips a step.
    frozen_lean = {0: lean[0].bias, 3: lean[0].bias}
    frozen_reference = {0: reference[0].bias, 3: reference[0].bias}
    _train(lean, x, y, *optimiser_steps(lean_optimiser), 8, frozen_lean)
    _train(reference, x, y, reference_optimiser.zero_grad, reference_optimiser.step, 8, frozen_reference)
    _assert_same_run(lean, reference, lean_optimiser, reference_optimiser)
    assert lean_optimiser.state[lean[0].bias]["step"].item() == 6


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: torch.optim.SGD(ps, lr=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.1),  # not fused
        lambda ps: torch.optim.Adam(ps, lr=0.1, fused=True, amsgrad=True),
        lambda ps: torch.optim.AdamW(ps, lr=0.1, fused=True),
        lambda ps: torch.optim.Adam([{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1, fused=True),
    ],
    ids=["sgd", "adam-unfused", "amsgrad", "adamw", "two-groups"],
)
def test_other_optimisers_keep_their_own_methods(make):
    optimiser = make(list(torch.nn.Linear(2, 2).parameters()))
    assert optimiser_steps(optimiser) == (optimiser.zero_grad, optimiser.step)


def test_a_step_hook_is_run_by_torchs_step():
    model, x, y = _model_and_data(3)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05, fused=True)
    zero_grad, step = optimiser_steps(optimiser)
    _train(model, x, y, zero_grad, step, 2)
    seen = []
    optimiser.register_step_post_hook(lambda *_: seen.append(1))
    _train(model, x, y, zero_grad, step, 3)
    assert seen == [1, 1, 1]


def test_a_state_loaded_or_a_group_added_midway_is_followed():
    lean, x, y = _model_and_data(4)
    reference, _, _ = _model_and_data(4)
    lean_optimiser = torch.optim.Adam(lean[0].parameters(), lr=0.05, fused=True)
    reference_optimiser = torch.optim.Adam(reference[0].parameters(), lr=0.05, fused=True)
    zero_grad, step = optimiser_steps(lean_optimiser)
    _train(lean, x, y, zero_grad, step, 3)
    _train(reference, x, y, reference_optimiser.zero_grad, reference_optimiser.step, 3)
    saved = reference_optimiser.state_dict()  # both optimisers take the state after 3 steps, as new tensors
    lean_optimiser.load_state_dict(copy.deepcopy(saved))
    reference_optimiser.load_state_dict(copy.deepcopy(saved))
    _train(lean, x, y, zero_grad, step, 3)
    _train(reference, x, y, reference_optimiser.zero_grad, reference_optimiser.step, 3)
    lean_optimiser.add_param_group({"params": list(lean[2].parameters())})
    reference_optimiser.add_param_group({"params": list(reference[2].parameters())})
    _train(lean, x, y, zero_grad, step, 3)
    _train(reference, x, y, reference_optimiser.zero_grad, reference_optimiser.step, 3)
    for p, q in zip(lean.parameters(), reference.parameters(), strict=True):
        assert torch.equal(p, q)
    assert lean_optimiser.state[lean[2].bias]["step"].item() == 3
