"""Test models for ncd draft: Hugging Face's GPT-2 block built from its sizes alone.

``GPT2Block`` takes a config object; the import specs that ``ncd draft`` and
the checker read pass whole numbers, so this wrapper builds the config from
the model width ``d`` and the head count ``h`` (dropout off, eager attention).
"""
from __future__ import annotations


def gpt2_block(d: int, h: int):
    """One GPT-2 transformer block of width ``d`` with ``h`` heads."""
    from transformers import GPT2Config
    from transformers.models.gpt2.modeling_gpt2 import GPT2Block

    config = GPT2Config(n_embd=d, n_head=h, n_layer=1, resid_pdrop=0.0, attn_pdrop=0.0, embd_pdrop=0.0)
    config._attn_implementation = "eager"
    return GPT2Block(config).eval()
