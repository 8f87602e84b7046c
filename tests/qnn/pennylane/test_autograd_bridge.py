"""`autograd_function` gives autograd the gradients and Hessians torch computes."""

import autograd
import autograd.numpy as anp
import numpy as np
import torch

from qnn.pennylane.autograd_bridge import autograd_function


def test_gradient_and_hessian_match_the_analytic_ones():
    f = autograd_function(lambda x, y: torch.stack([torch.sin(x[0]) * x[1], torch.cos(x[1]) * y]))

    def loss(x):
        return anp.sum(f(x, anp.array(2.0)) * anp.array([1.0, 2.0]))

    x = anp.array([0.3, 0.7])
    a, b = x
    np.testing.assert_allclose(autograd.grad(loss)(x), [np.cos(a) * b, np.sin(a) - 4 * np.sin(b)], atol=1e-12)
    expected = [[-np.sin(a) * b, np.cos(a)], [np.cos(a), -4 * np.cos(b)]]
    np.testing.assert_allclose(autograd.hessian(loss)(x), expected, atol=1e-12)


def test_an_argument_the_function_ignores_gets_a_zero_gradient():
    f = autograd_function(lambda x, y: x * 3.0)
    grad = autograd.grad(lambda y: anp.sum(f(anp.array([1.0]), y)))(anp.array([5.0]))
    np.testing.assert_array_equal(grad, [0.0])
