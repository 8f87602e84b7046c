"""An optimiser's two calls per training step, with torch.optim's per-step bookkeeping taken out of the loop.

`optimiser.step()` of a fused Adam costs about 90 µs in a training loop here, of which its kernel is under
10: the rest is the wrapper (hooks, profiler labels, a dynamo check) and `_init_group` rebuilding the state
lists every step. A 10-qubit separable model's whole step is about 1 ms, so that is a tenth of a fit. For a
plain fused Adam the lists are gathered once, after torch's own first step has made the state, and each later
step calls torch's functional `adam` on them: the same kernel, the same state tensors, the same numbers.
Anything else (another optimiser, options the shortcut does not cover, hooks, a missing gradient, an added
parameter group, a state loaded since) takes `optimiser.step()` as it is.

Example:
    >>> model = torch.nn.Linear(3, 1)
    >>> optimiser = torch.optim.Adam(model.parameters(), lr=0.1, fused=True)
    >>> zero_grad, step = optimiser_steps(optimiser)
    >>> zero_grad(); model(torch.ones(2, 3)).sum().backward(); step()
    >>> optimiser.state[model.bias]["step"].item()
    1.0
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.optim import adam as torch_adam
from torch.optim import optimizer as torch_optimizer


def optimiser_steps(optimiser: torch.optim.Optimizer) -> tuple[Callable[[], None], Callable[[], None]]:
    """(zero_grad, step) for `optimiser`: its own methods, or their lean equivalents for a plain fused Adam."""
    if not _plain_fused_adam(optimiser):
        return optimiser.zero_grad, optimiser.step
    parameters = list(optimiser.param_groups[0]["params"])
    lists: list[list[torch.Tensor]] = []  # exp_avgs, exp_avg_sqs, steps: torch's own state tensors

    def zero_grad() -> None:  # Optimizer.zero_grad(set_to_none=True), the default, without its profiler label
        if len(optimiser.param_groups) != 1:  # a group was added since
            return optimiser.zero_grad()
        for parameter in parameters:
            parameter.grad = None

    def step() -> None:
        grads = [p.grad for p in parameters]
        if not lists or any(g is None for g in grads) or _changed(optimiser, parameters, lists):
            optimiser.step()  # makes the state on the first step; skips parameters without a gradient
            lists[:] = _state_lists(optimiser, parameters)
            return
        group = optimiser.param_groups[0]
        beta1, beta2 = group["betas"]
        torch_adam.adam(
            parameters,
            grads,
            lists[0],
            lists[1],
            [],
            lists[2],
            fused=True,
            amsgrad=False,
            beta1=beta1,
            beta2=beta2,
            lr=group["lr"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=False,
        )

    return zero_grad, step


def _plain_fused_adam(optimiser: torch.optim.Optimizer) -> bool:
    """One parameter group of real CPU tensors, fused, with none of the options the lean step leaves out."""
    if type(optimiser) is not torch.optim.Adam or len(optimiser.param_groups) != 1:
        return False
    group = optimiser.param_groups[0]
    plain = not any(group.get(option) for option in ("amsgrad", "maximize", "capturable", "differentiable"))
    decoupled = group.get("decoupled_weight_decay", False)
    tensors = all(p.device.type == "cpu" and not p.is_complex() for p in group["params"])
    return bool(group.get("fused")) and plain and not decoupled and tensors and not _hooked(optimiser)


def _changed(optimiser: torch.optim.Optimizer, parameters: list, lists: list) -> bool:
    """Whether torch's own step must run: a step hook is registered, a parameter group was added, or the state
    was replaced (`load_state_dict`) since the lists were gathered."""
    if _hooked(optimiser) or len(optimiser.param_groups) != 1:
        return True
    return optimiser.state.get(parameters[0], {}).get("step") is not lists[2][0]


def _hooked(optimiser: torch.optim.Optimizer) -> bool:
    """Whether any step hook is registered, on this optimiser or on all of them: then torch's step runs them."""
    hooks = (
        getattr(optimiser, "_optimizer_step_pre_hooks", None),
        getattr(optimiser, "_optimizer_step_post_hooks", None),
        getattr(torch_optimizer, "_global_optimizer_pre_hooks", None),
        getattr(torch_optimizer, "_global_optimizer_post_hooks", None),
    )
    return any(hooks)


def _state_lists(optimiser: torch.optim.Optimizer, parameters: list) -> list[list[torch.Tensor]]:
    """[exp_avgs, exp_avg_sqs, steps], or [] while some parameter has no state yet (it had no gradient)."""
    states = [optimiser.state.get(p) for p in parameters]
    if not all(states):
        return []
    return [[s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states], [s["step"] for s in states]]
