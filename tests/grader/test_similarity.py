"""Code similarity between students: a renamed copy is flagged, independent correct solutions
rank low, and starter code or course helpers never make two students similar."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.similarity import compare, highlight, render_html, tokenize
from tests.grader.report.classroom import build

KINDS = ("mutant_a", "mutant_a_renamed", "reference", "independent", "template")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("similarity")
    out = {kind: build(kind, tmp) for kind in KINDS}
    out["template_copy"] = shutil.copytree(out["template"], tmp / "template_copy")
    return out


@pytest.fixture(scope="module")
def report(folders):
    return compare(folders)


def test_a_renamed_copy_of_a_mutant_is_flagged(folders, report):
    renamed = (folders["mutant_a_renamed"] / "layers.py").read_text()
    assert "dx = dout @ w.T" not in renamed                          # the copy really is renamed
    assert "grad_input = upstream_grad @ w.T" in renamed             # (the mutant's own line)
    pair = report.pair("mutant_a", "mutant_a_renamed")
    assert pair.score >= 0.9 and pair in report.flagged()
    assert pair.regions_a and pair.regions_b


def test_independent_correct_solutions_rank_low(report):
    independent = report.pair("reference", "independent")
    assert independent.score < report.threshold
    assert independent not in report.flagged()
    copies = [report.pair("mutant_a", "mutant_a_renamed"), report.pair("reference", "mutant_a"),
              report.pair("reference", "mutant_a_renamed")]
    assert all(report.rank(p.a, p.b) < report.rank("independent", "reference") for p in copies)


def test_starter_code_is_subtracted(folders, report):
    assert report.students["template"].text == ""                    # every file is the starter's
    assert report.pair("template", "template_copy").score == 0.0
    # the independent student kept the starter's stubs and docstrings: only its own code counts
    assert report.students["independent"].files == ("layers.py",)
    assert report.pair("independent", "template").score == 0.0


def test_without_the_starter_the_shared_stubs_count(folders):
    bare = compare({k: folders[k] for k in ("template", "template_copy")}, template=None,
                   extra_starter=())
    assert bare.pair("template", "template_copy").score > 0.9
    assert any("no starter code given" in n for n in bare.notes)


def test_code_tokenised_elsewhere_gives_the_same_report(folders, report, tmp_path):
    """``grade class`` tokenises each student's code in the process that graded it."""
    tokens = {kind: tokenize(folders[kind]) for kind in ("mutant_a", "reference", "template")}
    again = compare(folders, tokens=tokens)
    assert again.pairs == report.pairs and again.students == report.students
    other_starter = tokenize(folders["mutant_a"], template=None)      # not the same starter
    assert compare(folders, tokens={"mutant_a": other_starter}).pairs == report.pairs


def test_shared_regions_are_highlighted_and_escaped():
    text = "a = 1\nif a < 2:\n    print('<b>')\n"
    html = highlight(text, [(6, 15)])
    assert html == "a = 1\n<mark>if a &lt; 2:</mark>\n    print(&#x27;&lt;b&gt;&#x27;)\n"
    # a line of the starter code is never marked, even inside a shared region
    assert "<mark>" not in highlight(text, [(6, 15)], frozenset({"if a < 2:"}))
    # far from any shared line, code is elided
    long = "".join(f"x{i} = {i}\n" for i in range(30)) + "shared()\n"
    assert highlight(long, [(len(long) - 9, len(long))], context=2) == "...\nx28 = 28\nx29 = 29\n<mark>shared()</mark>\n"


def test_html_page_lists_the_flagged_pairs_side_by_side(report):
    page = render_html(report)
    assert 'id="pair-mutant_a-mutant_a_renamed"' in page and page.count('class="sim-sides"') == len(report.flagged())
    assert "<mark>" in page and "never changes a score" in page


def test_similarity_command(folders, tmp_path):
    out = tmp_path / "sim.html"
    args = ["similarity", str(folders["mutant_a"]), str(folders["mutant_a_renamed"]),
            str(folders["independent"]), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("1 of 3 pairs share at least 50%")
    assert lines[1].startswith("*") and "mutant_a  mutant_a_renamed" in lines[1]
    assert out.read_text().startswith("<!DOCTYPE html>")
