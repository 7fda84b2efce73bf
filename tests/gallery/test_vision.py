"""Figures 23-28: convolution, ResNet, U-Net and visual attention on real tensors."""
import itertools

import pytest
import torch
from torch import nn

from ncd_gallery import convolution as cv
from ncd_gallery import resnet, unet, vision


def test_equation_5_matches_pytorch():
    for x, k, s, d, p in itertools.product((7, 8, 16, 17), (1, 2, 3), (1, 2, 3), (1, 2), (0, 1, 2)):
        if cv.conv_output_size(x, k, s, d, p) < 1:
            continue
        conv = nn.Conv1d(1, 1, k, stride=s, dilation=d, padding=p)
        assert conv(torch.rand(1, 1, x)).shape[-1] == cv.conv_output_size(x, k, s, d, p), (x, k, s, d, p)


def test_transposed_output_size_matches_pytorch():
    for y, k, s, p in itertools.product((3, 5, 8), (1, 2, 3), (1, 2, 3), (0, 1)):
        t = nn.ConvTranspose1d(1, 1, k, stride=s, padding=p)
        assert t(torch.rand(1, 1, y)).shape[-1] == cv.conv_transpose_output_size(y, k, s, 1, p)


def test_convolution_tensor_definition():
    star = cv.convolution_tensor(9, 3, s=2, d=2)
    assert star.shape == (cv.conv_output_size(9, 3, 2, 2), 3, 9)
    for i, j, l in itertools.product(*map(range, star.shape)):
        assert star[i, j, l] == (1.0 if l == 2 * i + 2 * j else 0.0)


@pytest.mark.parametrize("s,d", [(1, 1), (2, 1), (1, 2), (3, 2)])
def test_conv_by_tensor_equals_pytorch(s, d):
    v, w = torch.rand(2, 3, 17), torch.rand(4, 3, 3)
    assert torch.allclose(cv.conv1d_by_tensor(v, w, s, d),
                          torch.nn.functional.conv1d(v, w, stride=s, dilation=d), atol=1e-5)
    v2, w2 = torch.rand(2, 3, 9, 10), torch.rand(4, 3, 3, 2)
    assert torch.allclose(cv.conv2d_by_tensor(v2, w2, s, d),
                          torch.nn.functional.conv2d(v2, w2, stride=s, dilation=d), atol=1e-5)


def test_pooling_by_tensor_equals_pytorch():
    v = torch.rand(2, 3, 8, 8)
    assert torch.allclose(cv.maxpool2d_by_tensor(v, 2, 2), nn.MaxPool2d(2, 2)(v))
    assert torch.allclose(cv.avgpool2d_by_tensor(v, 3, 2), nn.AvgPool2d(3, 2)(v), atol=1e-6)


@pytest.mark.parametrize("s", [1, 2, 3])
def test_transposed_conv_by_tensor_equals_pytorch(s):
    u, w = torch.rand(2, 3, 5), torch.rand(3, 4, 3)
    assert torch.allclose(cv.conv_transpose1d_by_tensor(u, w, s),
                          torch.nn.functional.conv_transpose1d(u, w, stride=s), atol=1e-5)


def test_conv_modules():
    X = torch.rand(2, 3, 16, 16)
    assert cv.LearnedConvolution(3, 5, 3, stride=2, padding=1)(X).shape == (2, 5, 8, 8)
    assert cv.MaxPool(2, 2)(X).shape == (2, 3, 8, 8)
    assert cv.TransposedConvolution(3, 5)(X).shape == (2, 5, 32, 32)


def test_identity_resnet_has_exactly_N_distinct_units():
    torch.manual_seed(0)
    model = resnet.IdentityResNet(N=2, n=(4, 8, 16, 32), y=10).eval()
    out = model(torch.rand(3, 3, 16, 16))
    assert out.shape == (3, 10)
    assert torch.allclose(out.sum(-1), torch.ones(3), atol=1e-5)
    for block in list(model)[1:4]:
        assert len(block.units) == 2
        assert len({id(u) for u in block.units}) == 2
    block = resnet.Block(2, 3, 8, 16)
    assert len(block.units) == 3
    assert block(torch.rand(1, 8, 8, 8)).shape == (1, 16, 4, 4)
    ids = [id(p) for p in block.parameters()]
    assert len(ids) == len(set(ids))
    with pytest.raises(ValueError):
        resnet.Block(1, 0, 4, 4)
    # the submodules the figure's spec binds to exist
    names = dict(model.named_modules())
    for path in ("0", "1.preactivate.0", "1.units.0.main.0", "1.units.0.main.1.0", "1.units.0.main.4",
                 "1.units.0.secondary", "1.units.1.main.0.0", "1.units.1.main.5", "4.0", "5", "7"):
        assert path in names, path
    assert "1.units.2" not in names  # N = 2: the first unit and one identity unit


def test_residual_units_are_full_preactivation():
    block = resnet.Block(2, 2, 8, 16).eval()
    x = torch.rand(1, 8, 8, 8)
    a = block.preactivate(x)                           # shared pre-activation
    first = block.units[0](a)
    assert torch.allclose(first, block.units[0].main(a) + block.units[0].secondary(a))
    assert isinstance(block.units[0].secondary, nn.Conv2d) and block.units[0].secondary.stride == (2, 2)
    second = block.units[1]
    assert isinstance(second.main[0], resnet.NormActivate)   # pre-activation inside the unit
    assert torch.allclose(block(x), first + second.main(first), atol=1e-6)


def test_unet_shapes_skips_and_registration():
    torch.manual_seed(0)
    assert unet.channel_sizes(1, 64, 4) == [1, 64, 128, 256, 512, 1024]
    model = unet.UNet(c0=1, y=2, c1=2, depth=4)
    out = model(torch.rand(2, 1, 32, 32))
    assert out.shape == (2, 2, 32, 32)
    assert model(torch.rand(1, 48, 48)).shape == (2, 48, 48)
    # double convolution c0 -> c1 -> c1
    dc = unet.DoubleConvolution(3, 5)
    assert (dc[0].in_channels, dc[0].out_channels, dc[2].in_channels, dc[2].out_channels) == (3, 5, 5, 5)
    # every block's weights are registered
    names = {n.split(".")[0] for n, _ in model.named_parameters()}
    assert names == {"down", "middle", "up", "final"}
    # every saved level is loaded once, and meets the upsampled data with the same size
    seen = []
    for blk in model.up:
        blk.register_forward_pre_hook(lambda m, args: seen.append((m.up(args[0]).shape, args[1].shape)))
    model(torch.rand(1, 1, 32, 32))
    assert len(seen) == 4 and all(a == b for a, b in seen)
    assert [b[-1] for _, b in seen] == [4, 8, 16, 32]


def test_visual_attention_returns_input_size():
    torch.manual_seed(0)
    for kernel, stride in [(1, 1), (3, 3), (2, 2), (3, 2)]:
        va = vision.VisualAttention(c=6, k=4, heads=2, kernel=kernel, stride=stride)
        out = va(torch.rand(1, 6, 16, 16), torch.rand(1, 6, 12, 12))
        assert out.shape == (1, 6, 16, 16), (kernel, stride)
    va = vision.VisualAttention(c=6, k=4)
    assert va(torch.rand(6, 5, 7), torch.rand(6, 3, 3)).shape == (6, 5, 7)
    assert all(m.bias is None for m in (va.Cq, va.Ck, va.Cv, va.Co))
