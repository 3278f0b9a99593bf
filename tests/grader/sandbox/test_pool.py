"""``WorkerPool``: N workers for one submission and a deterministic scheduler of independent jobs
(docs/architecture.md, "Sandbox contract")."""
import os

import numpy as np
import pytest

from grader.layout import Layout
from grader.sandbox import Limits, StudentException, Worker, WorkerPool
from grader.sandbox.pool import assign

LAYERS = """
import os

import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def where():
    return os.getpid(), os.getcwd()


def fails(i):
    raise ValueError(f"job {i} fails")
"""


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    root = tmp_path_factory.mktemp("submission")
    (root / "layers.py").write_text(LAYERS)
    scratch = tmp_path_factory.mktemp("scratch")
    with WorkerPool(root, Layout.canonical(root), Limits(call_timeout=20), size=2,
                    scratch_dir=scratch) as p:
        yield p


def test_placement_is_longest_first_on_the_least_loaded_worker_and_deterministic():
    assert assign([1, 1, 1, 1], 2) == [[0, 2], [1, 3]]
    assert assign([5, 1, 1, 1, 1, 1], 2) == [[0], [1, 2, 3, 4, 5]]
    assert assign([1, 4, 3, 2], 2) == [[0, 1], [2, 3]]    # 4+1 against 3+2
    assert assign([2.0] * 5, 3) == assign([2.0] * 5, 3) == [[0, 3], [1, 4], [2]]
    assert assign([], 2) == [[], []]
    with pytest.raises(ValueError):
        assign([1], 0)


def test_results_come_back_in_submission_order(pool):
    xs = [np.full(3, float(i) - 4) for i in range(9)]
    jobs = [lambda w, x=x: w.call("layers.relu_forward", x, select=0) for x in xs]
    got = pool.run(jobs, costs=[9 - i for i in range(9)])
    assert [g.tolist() for g in got] == [np.maximum(0, x).tolist() for x in xs]


def test_each_worker_is_a_process_of_its_own_with_its_own_scratch_folder(pool):
    places = pool.run([lambda w: w.call("layers.where")] * 2)
    (_, cwd_a), (_, cwd_b) = places
    assert [os.path.basename(c) for c in (cwd_a, cwd_b)] == ["worker-0", "worker-1"]
    assert all(isinstance(w, Worker) for w in pool.workers) and pool.size == 2


def test_the_first_failure_in_submission_order_is_raised_after_every_job_ran(pool):
    ran = []

    def job(i):
        def run(w):
            ran.append(i)
            return w.call("layers.fails", i) if i in (3, 1) else i
        return run

    with pytest.raises(StudentException, match="job 1 fails"):
        pool.run([job(i) for i in range(5)])
    assert sorted(ran) == [0, 1, 2, 3, 4]


def test_the_process_limit_leaves_room_for_the_other_workers_of_the_pool(pool):
    nproc = pool.capabilities["nproc"]
    if not nproc["applied"]:
        pytest.skip(nproc["detail"])
    assert "pool of 2 workers" in nproc["detail"]


def test_a_worker_launched_in_the_background_waits_for_its_hello_at_the_first_request(tmp_path):
    (tmp_path / "layers.py").write_text(LAYERS)
    w = Worker(tmp_path, Layout.canonical(tmp_path))
    try:
        w.start(wait=False)          # returns before the worker has imported numpy
        assert w.pid is not None
        out = w.call("layers.relu_forward", np.array([-1.0, 2.0]), select=0)
        assert out.tolist() == [0.0, 2.0] and w.capabilities
    finally:
        w.close()
