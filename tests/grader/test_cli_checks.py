"""``grade checks [RUBRIC]``: the registered checks with their defaults and users, or one rubric's
checks with the rubric's effective settings."""
from click.testing import CliRunner

from grader.checks import load_catalogue
from grader.checks.base import REGISTRY
from grader.cli import check_rows, main
from grader.rubric import list_rubrics, load_rubric


def test_every_registered_check_is_listed_once_with_its_users():
    load_catalogue()
    rows = {row["id"]: row for row in check_rows()}
    assert sorted(rows) == sorted(REGISTRY)
    relu = rows["relu_forward.values"]
    assert relu["kind"] == REGISTRY["relu_forward.values"].kind and relu["timeout"] == 20.0
    assert relu["doc"] and "\n" not in relu["doc"]
    users = [name for name in list_rubrics()
             if any(c.id == "relu_forward.values" for _, c in load_rubric(name).iter_checks())]
    assert relu["rubrics"] == users and "canonical" in users
    assert rows["sgd_momentum_cs182.notebook"]["rubrics"] == ["cs182_hw02"]


def test_a_rubrics_checks_carry_its_own_settings():
    rows = check_rows("ucla_hw3")
    rubric = load_rubric("ucla_hw3")
    assert [r["id"] for r in rows] == [c.id for _, c in rubric.iter_checks()]
    by_id = {r["id"]: r for r in rows}
    assert by_id["affine_forward.values"]["points"] == 1.0          # 2 in the canonical rubric
    assert by_id["training.neural_net_accuracy"]["timeout"] == 120.0
    assert by_id["neural_net.gradients"]["section"] == "neural_net"
    assert by_id["affine_forward.values"]["tolerance"] == REGISTRY["affine_forward.values"].tolerance


def test_the_command_prints_one_line_per_check():
    runner = CliRunner()
    listed = runner.invoke(main, ["checks"])
    assert listed.exit_code == 0
    assert listed.output.splitlines()[-1] == f"{len(REGISTRY)} registered checks"
    line = next(x for x in listed.output.splitlines() if x.startswith("sgd_momentum_cs182.notebook "))
    assert "[cs182_hw02]" in line and "timeout 20s" in line
    mine = runner.invoke(main, ["checks", "cs182_hw0"])
    assert mine.exit_code == 0 and mine.output.splitlines()[-1] == "23 checks, 33 points (3 extra, bonus only)"
    assert "training.two_layer_accuracy" in mine.output and "4 pts" in mine.output
    assert runner.invoke(main, ["checks", "no_such_rubric"]).exit_code == 2
