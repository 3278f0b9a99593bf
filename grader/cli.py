"""The ``grade`` command.

    grade PATH [--profile NAME[:VARIANT]] [--rubric NAME] [--data CIFAR_DIR] [--json F]
               [--gradescope F] [--junit F] [--markdown F] [--fail-under SCORE]
               [--audience student|instructor] [--execute]
                                          (the file options are those of grader.report's formats)
    grade fixtures regenerate RUBRIC      rerun the reference, rewrite expected outputs
    grade fixtures check RUBRIC           fail when fixtures are stale
    grade template build [--check]        regenerate student_template/ from reference/
    grade rubrics                         list the rubrics that ship with the grader
    grade profiles                        list the course profiles and their year variants

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
from .report import file_formats


class _DefaultToGrade(click.Group):
    """``grade PATH`` means ``grade run PATH``: any first word that is not a subcommand is a path."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _output_name(renderer) -> str:
    return f"{renderer.name}_out"


def output_options(command):
    """One ``--FORMAT FILE`` option per file format of the renderer registry (grader.report)."""
    for renderer in reversed(file_formats()):
        command = click.option(renderer.option, _output_name(renderer), default=None,
                               type=click.Path(path_type=Path), help=renderer.help)(command)
    return command


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
@output_options
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
def run(submission, rubric, profile, data, fail_under, audience, call_timeout, execute, quiet,
        **outputs):
    """Grade SUBMISSION (a folder, a .zip, a git checkout or an .ipynb notebook) and print its
    report."""
    from .engine import GradeOptions, grade
    from .profiles import ProfileError
    from .report import terminal
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
    for renderer in file_formats():
        path = outputs[_output_name(renderer)]
        if path is not None:
            # Machine outputs follow the audience too: hidden checks never leak expected data.
            _write(path, renderer.render(shown))
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


if __name__ == "__main__":  # pragma: no cover
    main()
