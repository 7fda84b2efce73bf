"""Cost stage: machine presets (dependency-free).

Each preset gives the dense peak arithmetic rate for the element type a model is
usually run in, the main-memory bandwidth and the size of the fast memory a fused
kernel can keep its inner values in (per streaming multiprocessor on a GPU: the
shared memory a thread block may allocate; per core on a CPU: its L2 cache).
The figures are the vendors' published ones; ``source`` says where.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Machine", "MACHINES", "get_machine"]


@dataclass(frozen=True)
class Machine:
    """An accelerator for the roofline: rates in FLOP/s and byte/s, sizes in bytes."""

    key: str
    name: str
    peak_flops: float        # dense, for the preset's element type (bf16/fp16 tensor cores on GPUs)
    bandwidth: float         # main memory (HBM / DRAM), bytes per second
    fast_memory: int         # bytes of on-chip memory one fused kernel's block may hold
    main_memory: int         # bytes of main memory
    dtype: str               # element type the peak is quoted for
    source: str

    @property
    def ridge(self) -> float:
        """Arithmetic intensity (FLOP/byte) above which a kernel is compute-bound."""
        return self.peak_flops / self.bandwidth

    def roofline_time(self, flops: float, traffic_bytes: float) -> float:
        """Seconds: the slower of computing at peak and moving the traffic at full bandwidth."""
        return max(float(flops) / self.peak_flops, float(traffic_bytes) / self.bandwidth)

    def bound(self, flops: float, traffic_bytes: float) -> str:
        """'compute' or 'memory': which roof limits a kernel of this intensity."""
        if float(traffic_bytes) == 0:
            return "compute"
        return "compute" if float(flops) / float(traffic_bytes) >= self.ridge else "memory"


_KB = 1024
_GB = 10 ** 9

MACHINES: dict[str, Machine] = {m.key: m for m in (
    Machine("h100", "NVIDIA H100 SXM5 80GB", 989.4e12, 3.35e12, 227 * _KB, 80 * _GB, "bf16",
            "NVIDIA H100 Tensor Core GPU datasheet (989.4 dense BF16 TFLOP/s, 3.35 TB/s HBM3); "
            "NVIDIA Hopper tuning guide (227 KB shared memory per thread block)"),
    Machine("h200", "NVIDIA H200 SXM 141GB", 989.4e12, 4.8e12, 227 * _KB, 141 * _GB, "bf16",
            "NVIDIA H200 Tensor Core GPU datasheet (989 dense BF16 TFLOP/s, 4.8 TB/s HBM3e); "
            "Hopper architecture, as H100 (227 KB shared memory per thread block)"),
    Machine("a100", "NVIDIA A100 SXM4 80GB", 312e12, 2.039e12, 163 * _KB, 80 * _GB, "bf16",
            "NVIDIA A100 Tensor Core GPU datasheet (312 dense BF16 TFLOP/s, 2,039 GB/s HBM2e); "
            "NVIDIA Ampere tuning guide (163 KB shared memory per thread block)"),
    Machine("cpu", "AMD EPYC 9654 (96 cores, Zen 4)", 7.37e12, 460.8e9, 1024 * _KB, 768 * _GB, "fp32",
            "AMD EPYC 9654 product page (96 cores, 2.4 GHz base, 12 channels DDR5-4800 = 460.8 GB/s, "
            "1 MB L2 per core); Zen 4 issues two 256-bit FMAs per cycle: 96 x 2.4e9 x 32 FP32 FLOP"),
)}


def get_machine(key) -> Machine:
    """The preset named ``key`` (case-insensitive), or a :class:`Machine` passed through."""
    if isinstance(key, Machine):
        return key
    try:
        return MACHINES[str(key).strip().lower()]
    except KeyError:
        raise KeyError(key) from None
