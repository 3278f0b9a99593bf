"""The Markdown summary: totals, one table per section, failures in a details block, safe escaping."""
import re

from grader.report.markdown import md_escape, render_markdown

from . import LATE_SECRET, ROWS, SECRET, sample_report

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_total_line_and_section_tables():
    text = render_markdown(sample_report())
    assert text.startswith("## Canonical assignment: 4.5 / 13 points")
    assert "### layers (2 / 6)" in text and "### training (2.5 / 7)" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == len(ROWS) + 2                         # + one header per section
    assert "| two\\_layer\\_net.val\\_accuracy | 1.5 / 3 | 🟡 partial |" in rows


def test_table_rows_have_exactly_three_cells():
    for line in render_markdown(sample_report()).splitlines():
        if line.startswith("|"):
            assert len(UNESCAPED_PIPE.findall(line)) == 4, line


def test_failures_are_listed_in_one_details_block():
    text = render_markdown(sample_report())
    assert "<summary>Checks not passed (5)</summary>" in text
    block = text.split("<summary>Checks not passed (5)</summary>")[1].split("</details>")[0]
    for row in ROWS:
        if row[5] != "passed":
            assert md_escape(row[0]) in block
    assert "Hint: dw = x.reshape(N, -1).T @ dout" in block


def test_student_controlled_text_cannot_break_the_page():
    text = render_markdown(sample_report())
    # the hostile message is HTML-escaped inside <pre>: it cannot close <pre> or <details>
    assert "&lt;/details&gt; &lt;/pre&gt;" in text
    assert text.count("<details>") == text.count("</details>")
    assert text.count("<pre>") == text.count("</pre>")
    assert "\x00" not in text and "\x1b" not in text
    # the submission name (student-chosen) is inline: | and backticks are escaped
    assert "submission alice \\| \\`hw2\\`.zip" in text
    assert "note with \\| pipe" in text


def test_md_escape():
    assert md_escape("a|b`c`[x](y)\n<i>") == "a\\|b\\`c\\`\\[x\\](y) \\<i\\>"


def test_student_render_holds_no_hidden_data():
    text = render_markdown(sample_report().for_audience("student"))
    assert SECRET not in text and LATE_SECRET not in text
    assert "hidden check: failed" in text


def test_an_ungradable_submission_is_one_message_without_tables():
    from grader.result import CheckResult, Report

    result = CheckResult("a.b", "s", "setup", 0, 2, "failed", "the submission could not be graded", "visible", 0.0)
    report = Report("empty/", "r", "Canonical", "p", [result] * 40, "2024-01-01T00:00:00+00:00", 0.1,
                    error="the submitted folder holds no files to grade")
    text = render_markdown(report)
    assert text.startswith("## Canonical: could not be graded")
    assert text.count("holds no files") == 1 and "| check |" not in text
