"""The ``grade`` command.

    grade PATH [--profile NAME[:VARIANT]] [--rubric NAME] [--data CIFAR_DIR] [--json F]
               [--gradescope F] [--junit F] [--markdown F] [--html F] [--fail-under SCORE]
               [--audience student|instructor] [--execute]
    grade fixtures regenerate RUBRIC      rerun the reference, rewrite expected outputs
    grade fixtures check RUBRIC           fail when fixtures are stale
    grade template build [--check]        regenerate student_template/ from reference/
    grade rubrics                         list the rubrics that ship with the grader
    grade profiles                        list the course profiles and their year variants
    grade similarity SUBMISSIONS... [-o F.html] [--template DIR]
                                          code similarity between students (never a score)

Exit codes: 0 when grading ran (whatever the score), 1 when ``--fail-under`` is not met or a
fixture/template check fails, 2 for usage errors (bad options, unknown or invalid rubric).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__


class _DefaultToGrade(click.Group):
    """``grade PATH`` means ``grade run PATH``: any first word that is not a subcommand is a path."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToGrade, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main():
    """Grade numpy deep-learning coursework in a sandbox: `grade path/to/submission`."""


@main.command("run")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--rubric", default=None,
              help="Rubric name (see `grade rubrics`) or path to a rubric YAML file "
                   "[default: the rubric(s) of the detected course profile].")
@click.option("--profile", "profile", default=None,
              help="Course profile NAME or NAME:VARIANT (see `grade profiles`) instead of the "
                   "one detected from the files.")
@click.option("--data", "data", type=click.Path(path_type=Path), default=None,
              help="A cifar-10-batches-py folder; training checks use CIFAR-10 instead of the "
                   "embedded digits (also read from $CIFAR10_DIR).")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write the JSON report here.")
@click.option("--gradescope", "gradescope_out", type=click.Path(path_type=Path),
              help="Write Gradescope's results.json here.")
@click.option("--junit", "junit_out", type=click.Path(path_type=Path), help="Write JUnit XML here.")
@click.option("--markdown", "markdown_out", type=click.Path(path_type=Path),
              help="Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).")
@click.option("--html", "html_out", type=click.Path(path_type=Path),
              help="Write a self-contained HTML report here (plots, the notebooks rendered).")
@click.option("--fail-under", type=float, default=None,
              help="Exit with status 1 when the score is below this many points.")
@click.option("--audience", type=click.Choice(["student", "instructor"]), default="student",
              show_default=True, help="Instructors also see the messages of hidden checks.")
@click.option("--call-timeout", type=float, default=None,
              help="Wall-clock seconds allowed for one call into student code "
                   "(overrides the rubric's timeouts).")
@click.option("--execute", "execute", is_flag=True,
              help="Re-run the submission's notebooks in the sandbox (nbclient) instead of "
                   "trusting their saved outputs.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the total.")
def run(submission, rubric, profile, data, json_out, gradescope_out, junit_out, markdown_out,
        html_out, fail_under, audience, call_timeout, execute, quiet):
    """Grade SUBMISSION (a folder, a .zip, a git checkout or an .ipynb notebook) and print its
    report."""
    from .engine import GradeOptions, grade
    from .profiles import ProfileError
    from .report import gradescope, html, json_report, junit, markdown, terminal
    from .rubric import RubricError
    from .sandbox import Limits

    console = Console(stderr=False)
    limits = Limits()
    if not submission.exists():
        raise click.BadParameter(f"{submission} does not exist", param_hint="SUBMISSION")
    try:
        with _progress(console, quiet) as progress:
            report = grade(submission, GradeOptions(rubric=rubric, data=data, limits=limits,
                                                    progress=progress, call_timeout=call_timeout,
                                                    profile=profile, execute_notebooks=execute))
    except RubricError as exc:
        raise click.UsageError(f"invalid rubric: {exc}") from None
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None

    shown = report.for_audience(audience)
    if quiet:
        console.print(f"{shown.score:g} / {shown.max_score:g}")
    else:
        terminal.print_report(shown, console)
    outputs = [(json_out, json_report.render_json), (gradescope_out, gradescope.render_gradescope),
               (junit_out, junit.render_junit), (markdown_out, markdown.render_markdown),
               (html_out, html.render_html)]
    for path, render in outputs:
        if path is not None:
            # Machine outputs follow the audience too: hidden checks never leak expected data.
            _write(path, render(shown))
    if fail_under is not None and report.score < fail_under:
        console.print(f"score {report.score:g} is below --fail-under {fail_under:g}")
        sys.exit(1)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a" if str(path).endswith("GITHUB_STEP_SUMMARY") else "w", encoding="utf-8") as fh:
        fh.write(text)


class _progress:
    """A rich progress bar on the terminal while checks run (silent when not a TTY)."""

    def __init__(self, console: Console, quiet: bool):
        self.enabled = console.is_terminal and not quiet
        self.bar = None
        self.task = None

    def __enter__(self):
        if not self.enabled:
            return None
        self.bar = Progress(TextColumn("[bold]grading[/]"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.description}"), TimeElapsedColumn(), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("", total=None)
        return self.update

    def update(self, check_id: str, done: int, total: int) -> None:
        self.bar.update(self.task, description=check_id, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


@main.group()
def fixtures():
    """Expected outputs, produced by running the reference."""


def _load(rubric_name):
    from .engine import validate_rubric_checks
    from .rubric import RubricError, load_rubric

    try:
        rubric = load_rubric(rubric_name)
        validate_rubric_checks(rubric)
        return rubric
    except RubricError as exc:
        raise click.UsageError(f"invalid rubric: {exc}") from None


@fixtures.command("regenerate")
@click.argument("rubric")
def fixtures_regenerate(rubric):
    """Rerun the reference and rewrite RUBRIC's expected outputs (deterministic)."""
    from . import fixtures as store

    folder = store.regenerate(_load(rubric))
    click.echo(f"wrote {folder / 'expected.npz'} and {folder / 'manifest.json'}")


@fixtures.command("check")
@click.argument("rubric")
def fixtures_check(rubric):
    """Exit 1 when RUBRIC's fixtures are stale against the reference."""
    from . import fixtures as store

    staleness = store.check(_load(rubric))
    if staleness.fresh:
        click.echo(f"{rubric}: fixtures are up to date")
        return
    for problem in staleness.problems:
        click.echo(f"{rubric}: {problem}", err=True)
    sys.exit(1)


@main.group()
def template():
    """The student starter code, generated from the reference."""


@template.command("build")
@click.option("--check", "check_only", is_flag=True,
              help="Do not write; exit 1 when student_template/ differs from a fresh build.")
def template_build(check_only):
    """Regenerate student_template/ from reference/."""
    from . import template as tpl

    argv = ["--check"] if check_only else []
    sys.exit(tpl.main(argv))


@main.command("rubrics")
def rubrics():
    """List the rubrics that ship with the grader."""
    from .rubric import list_rubrics, load_rubric

    for name in list_rubrics():
        click.echo(f"{name}: {load_rubric(name).title}")


@main.command("profiles")
def profiles():
    """List the course profiles (``--profile NAME[:VARIANT]``), their variants and rubrics."""
    from .profiles import PROFILES

    for name, profile in PROFILES.items():
        click.echo(f"{name}: {profile.title} [rubrics: {', '.join(profile.rubrics)}]")
        if len(profile.course.variants) > 1:
            for variant in profile.course.variants:
                click.echo(f"    {name}:{variant.name}  {variant.description}")


@main.command("similarity")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Write the HTML page (pairs above the threshold, shared code highlighted) here.")
@click.option("--template", "template", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="The starter code to subtract [default: student_template/].")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="List pairs sharing at least this fraction of one student's own code [0.5].")
def similarity(submissions, output, template, threshold):
    """Code similarity between SUBMISSIONS (folders; one folder holding one folder per student
    also works). Information for the staff: it never changes a score."""
    from . import similarity as sim

    folders = list(submissions)
    if len(folders) == 1 and folders[0].is_dir():
        inner = sorted(p for p in folders[0].iterdir() if p.is_dir() and not p.name.startswith("."))
        folders = inner if len(inner) >= 2 else folders
    if len(folders) < 2:
        raise click.UsageError("give at least two submissions (or one folder holding them)")
    ids = {}
    for folder in folders:
        name = folder.resolve().name
        ids[name if name not in ids else str(folder)] = folder
    report = sim.compare(ids, template=template or sim.DEFAULT_TEMPLATE,
                         threshold=sim.THRESHOLD if threshold is None else threshold)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    flagged = report.flagged()
    click.echo(f"{len(flagged)} of {len(report.pairs)} pairs share at least {report.threshold:.0%} "
               "of one student's own code")
    for p in report.pairs[:max(10, len(flagged))]:
        mark = "*" if p.score >= report.threshold else " "
        click.echo(f"{mark} {p.score:6.1%}  {p.a}  {p.b}  ({p.share_a:.0%} / {p.share_b:.0%}, "
                   f"{p.tokens} tokens)")
    if output is not None:
        _write(output, sim.render_html(report))
        click.echo(f"wrote {output}")


if __name__ == "__main__":  # pragma: no cover
    main()
