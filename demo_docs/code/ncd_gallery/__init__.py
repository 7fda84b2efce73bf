"""ncd_gallery: the PyTorch code beside each figure of the demo gallery.

Gallery stage (demo_docs).  Every module here is our own implementation of one
part of the paper (Abbott, *Neural Circuit Diagrams*, TMLR 2024), written to be
checked against the figure's spec at documentation build time:

* :mod:`.basics`      figures 4-12: tuples, stacked axes, indexes, broadcasting
* :mod:`.linalg`      figures 13-15, 18: linearity, naturality, matmul, units
* :mod:`.attention`   figures 16, 17, 20, 21: einsum sections, (multi-head) attention
* :mod:`.mlp`         figure 19: the basic image recogniser
* :mod:`.transformer` figure 22: the full encoder-decoder transformer
* :mod:`.convolution` figures 23-25: the convolution tensor, pooling, stride...
* :mod:`.resnet`      figure 26: the identity (full pre-activation) ResNet
* :mod:`.unet`        figure 27: the U-Net
* :mod:`.vision`      figure 28: visual attention
* :mod:`.derivatives` figures 29-36: forward and reverse derivatives
* :mod:`.mistakes`    minimal reproductions of the bugs in the paper's own code

Nothing is imported eagerly: ``import ncd_gallery`` does not import torch.
"""
__all__ = [
    "basics", "linalg", "attention", "mlp", "transformer", "convolution",
    "resnet", "unet", "vision", "derivatives", "mistakes",
]
