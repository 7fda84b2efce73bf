"""Figures 4-15 and 18: the gallery's basic code, on real tensors."""
import torch

from ncd_gallery import basics, linalg


def test_h_is_f_then_g_with_the_paper_shapes():
    a, b, c = torch.rand(3), torch.rand(4, 2), torch.rand(6)
    out = basics.h(a, b, c)
    assert out.shape == (1, 2)
    assert torch.equal(out, basics.g(a, basics.f(b, c)))
    assert torch.equal(basics.ComposedH()(a, b, c), out)
    # deterministic, and it really depends on each input
    assert torch.equal(basics.h(a, b, c), out)
    assert not torch.allclose(basics.h(a + 1, b, c), out)
    assert not torch.allclose(basics.h(a, b, c + 1), out)


def test_f_and_g_refuse_wrong_shapes():
    import pytest
    with pytest.raises(ValueError, match="f expects"):
        basics.f(torch.rand(2, 4), torch.rand(6))
    with pytest.raises(ValueError, match="g expects"):
        basics.g(torch.rand(3), torch.rand(3, 2))


def test_indexes():
    A = torch.arange(12).view(4, 3)
    assert torch.equal(basics.row(A, 2), torch.tensor([6, 7, 8]))
    assert basics.subtensor_identity_holds(torch.rand(5, 7))


def test_broadcast_G_loop_and_vmap_agree_row_by_row():
    X = torch.rand(4, 3)
    loop, vm = basics.G_loop(X), basics.G_broadcast(X)
    assert loop.shape == vm.shape == (4, 2)
    for i in range(4):  # broadcasting: index before = index after, for EVERY row
        assert torch.allclose(loop[i], basics.G(X[i]))
        assert torch.allclose(vm[i], basics.G(X[i]))
    assert torch.allclose(basics.BroadcastG()(X), vm)
    # every row is filled (the paper's loop filled one row only)
    assert (loop.abs().sum(-1) > 0).all()


def test_inner_broadcast_H_has_codomain_c_b():
    Xca, Xd = torch.rand(4, 3), torch.rand(4)
    loop, vm = basics.H_loop(Xca, Xd), basics.H_inner_broadcast(Xca, Xd)
    assert loop.shape == vm.shape == (4, 2)
    for i in range(4):
        assert torch.allclose(loop[i], basics.H(Xca[i], Xd))
        assert torch.allclose(vm[i], basics.H(Xca[i], Xd))
    assert torch.allclose(basics.InnerBroadcastH()(Xca, Xd), vm)


def test_elementwise_is_broadcast():
    Xa = torch.rand(3, 5)
    assert torch.allclose(basics.square(Xa), basics.square_broadcast(Xa))
    assert torch.allclose(basics.square(Xa)[1, 2], Xa[1, 2] ** 2)


def test_linearity_and_naturality():
    f = linalg.LinearMap(torch.rand(3, 4))
    x, y = torch.rand(3), torch.rand(3)
    lhs, rhs = linalg.additivity(f, x, y)
    assert torch.allclose(lhs, rhs)
    lhs, rhs = linalg.homogeneity(f, 2.5, x)
    assert torch.allclose(lhs, rhs)
    # a non-linear function fails the same test, so the test can fail
    lhs, rhs = linalg.additivity(torch.tanh, x, y)
    assert not torch.allclose(lhs, rhs)
    g = linalg.LinearMap(torch.rand(5, 2))
    left, right = linalg.naturality(f, g, torch.rand(3, 5))
    assert left.shape == (4, 2) and torch.allclose(left, right, atol=1e-5)


def test_matmul_is_inner_product_inner_broadcast():
    P, Q = torch.rand(3, 5), torch.rand(5, 4)
    assert torch.allclose(linalg.matmul_by_inner_broadcast(P, Q), P @ Q, atol=1e-6)


def test_graphical_linear_algebra():
    x = torch.rand(4)
    assert torch.allclose(linalg.snake(x), x)                         # unit then cap = identity
    assert torch.equal(linalg.unit(3, 2.0), 2 * torch.eye(3))
    F = linalg.LinearMap(torch.rand(3, 4, 5))                          # F : a -> b c
    X = torch.rand(4, 3)                                               # b a
    by_broadcast = linalg.associated_transpose_by_broadcast(F, X)
    FT = linalg.associated_transpose_by_linearity(F)                   # b a c
    assert FT.shape == (4, 3, 5)
    assert torch.allclose(by_broadcast, torch.einsum("ba,bac->c", X, FT), atol=1e-5)
    assert torch.allclose(FT, F.tensor.permute(1, 0, 2))


def test_figure_18_rows_two_and_three():
    G, H = linalg.LinearMap(torch.rand(3, 4)), linalg.LinearMap(torch.rand(4, 5))
    left, right = linalg.composition_through_transpose(G, H, torch.rand(3))
    assert left.shape == (5,) and torch.allclose(left, right, atol=1e-5)
    H2, K = linalg.LinearMap(torch.rand(2, 5)), linalg.LinearMap(torch.rand(20, 6))
    left, right = linalg.outer_product_shift(G, H2, K, torch.rand(3), torch.rand(2))
    assert left.shape == (6,) and torch.allclose(left, right, atol=1e-4)


def test_check_modules_of_sections_2_and_2_4():
    A = torch.rand(4, 3)
    assert torch.equal(basics.Index(2)(A), A[2])
    assert basics.IndexTwice(1, 2)(A) == basics.IndexTwice(1, 2, first="b")(A) == A[1, 2]
    assert linalg.Additivity(3, 4)(torch.rand(3), torch.rand(3)).shape == (4,)
    assert linalg.Homogeneity(3, 4)(torch.rand(3)).shape == (4,)
    nat = linalg.Naturality(3, 4, 5, 2)
    X = torch.rand(3, 5)
    assert nat(X).shape == (4, 2)
    left, right = linalg.naturality(linalg.LinearMap(nat.f.weight), linalg.LinearMap(nat.g.weight), X)
    assert torch.allclose(nat(X), left, atol=1e-5) and torch.allclose(left, right, atol=1e-5)
    assert linalg.AssociatedTranspose(3, 4, 5)(torch.rand(4, 3)).shape == (5,)
    assert linalg.Snake(3, 4, 5)(torch.rand(3)).shape == (5,)
    assert linalg.OuterProductShift(3, 2, 4, 5, 6)(torch.rand(3), torch.rand(2)).shape == (6,)
