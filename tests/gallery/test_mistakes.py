"""Each reproduced mistake of the paper's code really misbehaves, and the
corrected gallery code does not."""
import pytest
import torch
from torch import nn

from ncd_gallery import basics, mistakes, mlp, resnet, unet, vision


def test_figure_10_stray_index_fills_one_column_only():
    X = torch.rand(3, 5) + 0.1
    Y = mistakes.broadcast_G_with_stray_index(X)
    filled = (Y.abs().sum(0) > 0).tolist()
    assert filled == [False, False, False, True, False]
    # the notebook's own test compares column jc only, so it passes
    assert torch.allclose(Y[:, mistakes.jc], mistakes.G(X[:, mistakes.jc]))
    # the corrected loop fills every row
    assert (basics.G_loop(torch.rand(5, 3) + 0.1).abs().sum(-1) > 0).all()


def test_figure_19_softmax_module_is_returned_instead_of_probabilities():
    out = mistakes.SoftmaxModuleMLP()(torch.rand(28, 28))
    assert isinstance(out, nn.Softmax) and isinstance(out.dim, torch.Tensor)
    assert "Softmax(" in repr(out)
    good = mlp.BasicImageRecogniser()(torch.rand(28, 28))
    assert isinstance(good, torch.Tensor) and good.shape == (10,)


def test_figure_26_repeated_module_object_shares_weights_and_adds_a_unit():
    N = 3
    block = mistakes.SharedUnitsBlock(N, 4)
    assert len(block) == N + 1
    assert len({id(m) for m in block}) == 2          # one first unit + one object repeated
    assert block[1] is block[N]
    assert block(torch.rand(1, 4, 6, 6)).shape == (1, 4, 6, 6)   # the output size hides it
    good = resnet.Block(1, N, 4, 4)
    assert len(good.units) == N and len({id(m) for m in good.units}) == N


def test_figure_27_double_convolution_c0_twice_fails():
    with pytest.raises(RuntimeError, match="channels"):
        mistakes.DoubleConvolutionTwiceC0(1, 4)(torch.rand(1, 1, 8, 8))
    assert unet.DoubleConvolution(1, 4)(torch.rand(1, 1, 8, 8)).shape == (1, 4, 8, 8)


def test_figure_27_padding_one_gives_64_against_65():
    model = mistakes.PaddedPoolingUNet()
    with pytest.raises(RuntimeError, match=r"65|64"):
        model(torch.rand(1, 1, 128, 128))
    c1 = model.conv1(torch.rand(1, 1, 128, 128))
    c2 = model.conv2(model.pool1(c1))
    assert c2.shape[-1] == 65
    up = model.up2(model.middle(model.pool2(c2)))
    assert up.shape[-1] == 64
    assert unet.UNet(c1=2, depth=2)(torch.rand(1, 1, 128, 128)).shape == (1, 2, 128, 128)


def test_figure_27_other_mistakes():
    with pytest.raises(TypeError):
        mistakes.ConcatWithoutTuple()(torch.rand(1, 2, 4, 4), torch.rand(1, 2, 4, 4))
    assert mistakes.ForwardReturnsNothing()(torch.rand(1, 4, 4, 4)) is None
    with pytest.raises(TypeError):
        mistakes.FinalConvWithoutKernel()
    listed = mistakes.PythonListOfBlocks()
    assert listed(torch.rand(1, 4, 5, 5)).shape == (1, 4, 5, 5)
    assert len(list(listed.parameters())) == 0       # the weights are invisible
    assert len(list(unet.UNet(c1=2, depth=2).parameters())) > 0


def test_figure_28_fifteen_from_sixteen():
    bad = mistakes.VisualAttentionWrongSize(c=33, k=8, heads=4, kernel=3, stride=3)
    E, X = torch.rand(1, 33, 16, 16), torch.rand(1, 33, 16, 16)
    assert bad(E, X).shape == (1, 33, 15, 15)
    good = vision.VisualAttention(c=33, k=8, heads=4, kernel=3, stride=3)
    assert good(E, X).shape == (1, 33, 16, 16)
    biased = mistakes.VisualAttentionWithBias(c=6, k=4)
    assert biased.Cq.bias is not None and good.Cq.bias is None
