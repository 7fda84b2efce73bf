"""Figures 29-36: derivatives and the cost of forward vs reverse mode."""
import torch

from ncd_gallery import derivatives as dv

torch.manual_seed(0)
W1, W2 = torch.rand(4, 3), torch.rand(2, 4)
F = lambda x: torch.tanh(W1 @ x)           # noqa: E731  a=3 -> b=4
G = lambda y: torch.sin(W2 @ y)            # noqa: E731  b=4 -> c=2


def test_chain_rule_and_forward_derivative():
    x, dx = torch.rand(3), torch.rand(3)
    a, b = dv.chain_rule_by_jacobians(F, G, x)
    assert a.shape == (2, 3) and torch.allclose(a, b, atol=1e-6)
    dz, dz_direct = dv.forward_derivative_of_composite(F, G, x, dx)
    assert torch.allclose(dz, dz_direct, atol=1e-6)
    assert torch.allclose(dz, a @ dx, atol=1e-6)
    FD, GD = dv.tangent_functor(F), dv.tangent_functor(G)
    y, dy = FD(x, dx)
    z, dz2 = GD(y, dy)
    z3, dz3 = dv.tangent_functor(lambda t: G(F(t)))(x, dx)
    assert torch.allclose(z, z3) and torch.allclose(dz2, dz3, atol=1e-6)


def test_reverse_derivative_is_the_associated_transpose():
    x, dx, dy = torch.rand(3), torch.rand(3), torch.rand(4)
    lhs, rhs = dv.forward_reverse_adjoint(F, x, dx, dy)
    assert torch.allclose(lhs, rhs, atol=1e-6)
    assert torch.allclose(dv.reverse_derivative(F, x, dy), dv.jacobian(F, x).T @ dy, atol=1e-6)
    assert torch.allclose(dv.jacobian_from_unit(F, x), dv.jacobian(F, x), atol=1e-6)


def test_gradients_agree_and_reverse_is_cheaper():
    a = 32
    weights = [torch.randn(a, a) / a ** 0.5 for _ in range(3)]
    loss = dv.mlp_chain(weights)
    x = torch.rand(a)
    fwd, rev = dv.gradient_forward_mode(loss, x), dv.gradient_reverse_mode(loss, x)
    assert torch.allclose(fwd, rev, atol=1e-5)
    assert torch.allclose(rev, -torch.func.grad(loss)(x), atol=1e-5)
    costs = dv.compare_costs(loss, x)
    # forward mode runs the chain once per input degree of freedom: about a times the work
    assert costs["forward"].flops >= 0.5 * a * costs["reverse"].flops
    assert costs["forward"].largest >= a * a > costs["reverse"].largest


def test_derivative_modules_shapes_and_agreement():
    a, b, c = 5, 3, 2
    X, dX, dY = torch.rand(a), torch.rand(a), torch.rand(b)
    assert dv.ChainRule(a, b, c)(X).shape == (c, a)
    assert dv.ForwardDerivative(a, b)(X, dX).shape == (b,)
    assert dv.ComposedForwardDerivative(a, b, c)(X, dX).shape == (c,)
    z, dz = dv.TangentFunctor(a, b, c)(X, dX)
    assert z.shape == dz.shape == (c,)
    assert dv.ReverseDerivative(a, b)(X, dY).shape == (a,)
    assert dv.JacobianFromUnit(a, b)(X).shape == (b, a)
    naive = dv.NaiveOptimisation(a, b)
    back = dv.Backpropagation(a, b)
    back.load_state_dict(naive.state_dict())
    dL = torch.tensor([-1.0])
    assert naive(dL, X).shape == (a,)
    assert torch.allclose(naive(dL, X), back(dL, X), atol=1e-5)
