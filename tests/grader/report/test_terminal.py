"""The terminal report (rich): plain text off a TTY, colours on one, no markup or escape injection."""
import io

from rich.console import Console

from grader.report.terminal import print_report, render_terminal

from . import ROWS, SECRET, sample_report


def test_tables_points_and_total():
    text = render_terminal(sample_report(), width=120)
    for name, _, _, points, max_points, *_ in ROWS:
        assert name in text
    assert "2 / 2" in text and "1.5 / 3" in text
    assert "Total: 4.5 / 13" in text
    assert "2 passed, 2 failed, 1 partial, 1 error, 1 skipped" in text
    assert "the sandbox has no network namespace here" in text
    assert text.index("layers") < text.index("training") < text.index("Checks not passed") < text.index("Total")


def test_failures_show_their_messages_and_hints():
    text = render_terminal(sample_report(), width=120)
    assert "CIFAR-10 is not available: give --data" in text
    assert "Hint: dw = x.reshape(N, -1).T @ dout" in text


def test_not_a_tty_gives_plain_text_and_student_text_stays_inert():
    text = render_terminal(sample_report(), width=120)
    assert "\x1b" not in text and "\x00" not in text           # no ANSI codes, ESC shown as \x1b
    assert "\\x1b[31mred" in text
    assert "[bold]markup[/bold]" in text                       # rich markup is not interpreted


def test_a_terminal_gets_colours_but_no_student_escape_codes():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=120)
    print_report(sample_report(), console)
    out = buffer.getvalue()
    assert "\x1b[" in out                                      # rich's own colours
    assert "\x1b[31mred" not in out                           # not the student's


def test_student_render_holds_no_hidden_data():
    text = render_terminal(sample_report().for_audience("student"), width=120)
    assert SECRET not in text
    assert "hidden check: failed" in text
