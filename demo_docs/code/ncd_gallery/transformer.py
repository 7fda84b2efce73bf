"""Gallery code for figure 22 (paper section 3.2): the full encoder-decoder
transformer of *Attention is All You Need*.

Gallery stage.  Structure as drawn: the encoder is N separate encoder layers
(self-attention, then a feed-forward network, each in a residual with a
post-norm, ``LayerNorm(x + sublayer(x))``), the decoder N separate decoder
layers (masked self-attention, attention over the encoder's output, the
feed-forward network), then a learned map to the vocabulary and SoftMax.
The N layers are distinct modules in an ``nn.ModuleList`` (never one module
repeated), so each has its own weights.

:class:`Transformer` works on embedded data, ``y m, x m -> y t`` (target,
source -> probabilities over ``t`` tokens), which is what the diagram shows;
:class:`TokenTransformer` adds the embeddings and positional encodings.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .attention import MultiHeadAttention

__all__ = ["FeedForward", "EncoderLayer", "DecoderLayer", "Encoder", "Decoder",
           "Transformer", "TokenTransformer", "causal_mask", "positional_encoding"]


class FeedForward(nn.Module):
    """``m -> m``: L+ (m -> f), ReLU, L+ (f -> m), broadcast over the width."""

    def __init__(self, m: int, f: int):
        super().__init__()
        self.L1 = nn.Linear(m, f)
        self.L2 = nn.Linear(f, m)

    def forward(self, x: Tensor) -> Tensor:
        return self.L2(torch.relu(self.L1(x)))


class EncoderLayer(nn.Module):
    """``x m -> x m``: self-attention and feed-forward, each residual + norm."""

    def __init__(self, m: int, k: int, h: int, f: int):
        super().__init__()
        self.attention = MultiHeadAttention(m, k, h)
        self.norm1 = nn.LayerNorm(m)
        self.feedforward = FeedForward(m, f)
        self.norm2 = nn.LayerNorm(m)

    def forward(self, x: Tensor) -> Tensor:
        x = self.norm1(x + self.attention(x, x))
        return self.norm2(x + self.feedforward(x))


def causal_mask(y: int, device=None) -> Tensor:
    """``y y`` boolean: position i may attend to positions j <= i."""
    return torch.ones(y, y, dtype=torch.bool, device=device).tril()


class DecoderLayer(nn.Module):
    """``y m, x m -> y m``: masked self-attention, attention over the encoder's
    output (queries from the decoder), feed-forward; each residual + norm."""

    def __init__(self, m: int, k: int, h: int, f: int):
        super().__init__()
        self.self_attention = MultiHeadAttention(m, k, h)
        self.norm1 = nn.LayerNorm(m)
        self.cross_attention = MultiHeadAttention(m, k, h)
        self.norm2 = nn.LayerNorm(m)
        self.feedforward = FeedForward(m, f)
        self.norm3 = nn.LayerNorm(m)

    def forward(self, y: Tensor, memory: Tensor) -> Tensor:
        mask = causal_mask(y.shape[-2], device=y.device)
        y = self.norm1(y + self.self_attention(y, y, mask))
        y = self.norm2(y + self.cross_attention(y, memory))
        return self.norm3(y + self.feedforward(y))


class Encoder(nn.Module):
    """N distinct encoder layers: ``x m -> x m``."""

    def __init__(self, N: int, m: int, k: int, h: int, f: int):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(m, k, h, f) for _ in range(N))

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


class Decoder(nn.Module):
    """N distinct decoder layers: ``y m, x m -> y m``."""

    def __init__(self, N: int, m: int, k: int, h: int, f: int):
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(m, k, h, f) for _ in range(N))

    def forward(self, y: Tensor, memory: Tensor) -> Tensor:
        for layer in self.layers:
            y = layer(y, memory)
        return y


class Transformer(nn.Module):
    """Figure 22 on embedded data: ``forward(Y: y m, X: x m) -> y t``."""

    def __init__(self, N: int = 6, m: int = 512, k: int = 64, h: int = 8, f: int = 2048,
                 t: int = 1000):
        super().__init__()
        self.encoder = Encoder(N, m, k, h, f)
        self.decoder = Decoder(N, m, k, h, f)
        self.Lout = nn.Linear(m, t)

    def forward(self, Y: Tensor, X: Tensor) -> Tensor:
        memory = self.encoder(X)
        out = self.decoder(Y, memory)
        return torch.softmax(self.Lout(out), dim=-1)


def positional_encoding(n: int, m: int) -> Tensor:
    """``n m``: the sinusoidal position encoding (sin on even, cos on odd depths)."""
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, m, 2, dtype=torch.float32) * (-math.log(10000.0) / m))
    pe = torch.zeros(n, m)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: m // 2])
    return pe


class TokenTransformer(nn.Module):
    """The transformer from token ids: ``y, x -> y t`` (embedding scaled by sqrt(m),
    plus positional encodings, then :class:`Transformer`)."""

    def __init__(self, vocab: int, N: int = 6, m: int = 512, k: int = 64, h: int = 8,
                 f: int = 2048):
        super().__init__()
        self.m = m
        self.embed_source = nn.Embedding(vocab, m)
        self.embed_target = nn.Embedding(vocab, m)
        self.core = Transformer(N, m, k, h, f, vocab)

    def _embed(self, table: nn.Embedding, ids: Tensor) -> Tensor:
        e = table(ids) * math.sqrt(self.m)
        return e + positional_encoding(ids.shape[-1], self.m).to(e.dtype)

    def forward(self, target_ids: Tensor, source_ids: Tensor) -> Tensor:
        return self.core(self._embed(self.embed_target, target_ids),
                         self._embed(self.embed_source, source_ids))
