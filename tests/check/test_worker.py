"""The worker: isolated, limited, reused, and deaf to what user code prints."""
from __future__ import annotations

from check_specs import SDPA

PROBE = """\
import os, resource, torch
def attend(q, k, v):
    print("user output must not break the protocol")
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "", "a GPU is visible"
    assert os.path.basename(os.getcwd()).startswith("ncd-check-"), os.getcwd()
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    assert soft == 2048 * 2**20, soft
    cpu, _ = resource.getrlimit(resource.RLIMIT_CPU)
    assert cpu != resource.RLIM_INFINITY, "no CPU budget"
    return (q @ k.T).softmax(-1) @ v
"""


def test_user_code_runs_isolated_and_limited(run, parse):
    report = run(parse(SDPA), PROBE, filename="probe.py")
    assert report.status == "proved", report.format()


def test_the_worker_is_reused_between_checks(run, parse, worker):
    pid = worker.pid
    run(parse(SDPA), "ncd_check_models.attention:sdpa")
    run(parse(SDPA), "ncd_check_models.attention:sdpa_transposed")
    assert worker.pid == pid


def test_the_default_worker_belongs_to_its_process():
    import os

    from sphinx_ncd.checking.worker import default_worker

    w = default_worker()
    assert w is default_worker() and w.owner_pid == os.getpid()


def test_a_launched_worker_imports_torch_while_the_caller_goes_on_then_answers(parse):
    import sphinx_ncd
    from sphinx_ncd.checking.worker import Worker

    worker = Worker()
    try:
        worker.launch()  # returns at once: ncd check parses the spec meanwhile
        assert worker.alive and not worker.hello
        diagram = parse("input X: b d\nY = L[lin] X : d -> d\noutput Y\n")
        code = "import torch\nclass M(torch.nn.Module):\n    def __init__(self, d):\n        super().__init__()\n" \
               "        self.lin = torch.nn.Linear(d, d, bias=False)\n    def forward(self, x):\n" \
               "        return self.lin(x)\n"
        report = sphinx_ncd.check(diagram, code, worker=worker, use_cache=False)
        assert report.status == "proved", report.format()
        assert worker.hello.get("torch") and worker.starts == 1
        assert worker.start() is worker.hello  # already greeted: no second process, no second read
    finally:
        worker.close()
