"""The ``grade`` command.

    grade PATH [--profile NAME[:VARIANT]] [--rubric NAME] [--data CIFAR_DIR] [--json F]
               [--gradescope F] [--junit F] [--markdown F] [--html F] [--fail-under SCORE]
               [--audience student|instructor] [--execute] [--workers N]
                                          (the file options are those of grader.report's formats)
    grade fixtures regenerate [RUBRIC...] [--all]  rebuild stale fixture builders
    grade fixtures check [RUBRIC]         report each fixture builder's staleness
    grade checks [RUBRIC]                 list the registered checks (or a rubric's)
    grade template build [--check]        regenerate student_template/ from reference/
    grade rubrics                         list the rubrics that ship with the grader
    grade profiles                        list the course profiles and their year variants
    grade class SUBMISSIONS -o OUTDIR     grade a whole class into a gradebook (docs/class-grading.md)

    grade gradescope build RUBRIC... -o F write Gradescope's autograder.zip (docs/deployment.md)
    grade similarity SUBMISSIONS... [-o F.html] [--template DIR]
                                          code similarity between students (never a score)

Exit codes: 0 when grading ran (whatever the score), 1 when ``--fail-under`` is not met or a
fixture/template check fails, 2 for usage errors (bad options, unknown or invalid rubric, a
``--data`` folder that is not CIFAR-10, an output path that is a folder), 3 when the submission
could not be graded at all (empty folder, not a zip, a stray text file).
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from pathlib import Path

import click

from . import __version__
from .report import file_formats


class _DefaultToGrade(click.Group):
    """``grade PATH`` means ``grade run PATH``: any first word that is not a subcommand is a path."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter):
        """The group's help, then the options of ``grade PATH`` (they belong to ``run``)."""
        super().format_help(ctx, formatter)
        run_cmd = self.commands["run"]
        run_ctx = click.Context(run_cmd, info_name="run", parent=ctx)
        records = [r for r in (p.get_help_record(run_ctx) for p in run_cmd.get_params(run_ctx)
                                if p.name != "help") if r]
        with formatter.section("Grading options (grade PATH [OPTIONS])"):
            formatter.write_dl(records)


EXIT_UNGRADABLE = 3


def _output_name(renderer) -> str:
    return f"{renderer.name}_out"


def output_options(command):
    """One ``--FORMAT FILE`` option per file format of the renderer registry (grader.report)."""
    for renderer in reversed(file_formats()):
        command = click.option(renderer.option, _output_name(renderer), default=None,
                               type=click.Path(path_type=Path), callback=_output_path,
                               help=renderer.help)(command)
    return command


@click.group(cls=_DefaultToGrade, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main():
    """Grade numpy deep-learning coursework in a sandbox: `grade path/to/submission`.

    \b
    Exit status:
      0  grading ran (whatever the score)
      1  --fail-under not met, stale fixtures or template
      2  usage error (bad option, invalid rubric, --data not CIFAR-10, output path is a folder)
      3  the submission could not be graded (empty folder, not a zip, a stray file)
    """


CIFAR10_FILES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                 "test_batch")


def _cifar_dir(ctx, param, value):
    """``--data`` must be a ``cifar-10-batches-py`` folder holding the six batches."""
    if value is None:
        return None
    if not value.is_dir():
        raise click.BadParameter(f"{value} is not a folder; give the cifar-10-batches-py folder")
    missing = [name for name in CIFAR10_FILES if not (value / name).is_file()]
    if missing:
        raise click.BadParameter(f"{value} is not a cifar-10-batches-py folder: no "
                                 f"{', '.join(missing)}")
    return value


def _output_path(ctx, param, value):
    """An output file: not a folder, and not under a file."""
    if value is None:
        return None
    if value.is_dir():
        raise click.BadParameter(f"{value} is a folder; give a file name, e.g. {value / 'report'}")
    for parent in value.parents:
        if parent.exists() and not parent.is_dir():
            raise click.BadParameter(f"{parent} is a file, so {value} cannot be written")
    return value


@main.command("run")
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--rubric", default=None,
              help="Rubric name (see `grade rubrics`) or path to a rubric YAML file "
                   "[default: the rubric(s) of the detected course profile].")
@click.option("--profile", "profile", default=None,
              help="Course profile NAME or NAME:VARIANT (see `grade profiles`) instead of the "
                   "one detected from the files.")
@click.option("--pack", "pack", type=click.Path(path_type=Path), default=None,
              help="A course pack (folder or .zip, `grade pack build`): grade with its rubric "
                   "(--rubric names one of its rubrics) and its fixtures.")
@click.option("--data", "data", type=click.Path(path_type=Path), default=None, callback=_cifar_dir,
              help="A cifar-10-batches-py folder; training checks use CIFAR-10 instead of the "
                   "embedded digits (also read from $CIFAR10_DIR).")
@output_options
@click.option("--fail-under", type=float, default=None,
              help="Exit with status 1 when the score is below this many points.")
@click.option("--audience", type=click.Choice(["student", "instructor"]), default="student",
              show_default=True, help="Instructors also see the messages of hidden checks "
                                      "(needs an instructor pack or a source checkout).")
@click.option("--call-timeout", type=float, default=None,
              help="Wall-clock seconds allowed for one call into student code "
                   "(overrides the rubric's timeouts).")
@click.option("--execute", "execute", is_flag=True,
              help="Re-run the submission's notebooks in the sandbox (nbclient) instead of "
                   "trusting their saved outputs (needs the [notebooks] extra).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Sandboxed workers that share this submission's checks [default: "
                   "$GRADER_WORKERS, else 2 on two cores or more]; the report is the same.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the total.")
def run(submission, rubric, profile, pack, data, fail_under, audience, call_timeout, execute, workers,
        quiet, **outputs):
    """Grade SUBMISSION (a folder, a .zip, a git checkout or an .ipynb notebook) and print its
    report."""
    from .sandbox import Limits

    console = None if quiet else _console()   # -q prints one line: no rich
    say = click.echo if console is None else (lambda text: console.print(text, markup=False,
                                                                          highlight=False))
    limits = Limits()
    if not submission.exists():
        raise click.BadParameter(f"{submission} does not exist", param_hint="SUBMISSION")
    if audience == "instructor":
        _instructor_allowed(pack)
    if execute:
        missing = [m for m in ("nbclient", "ipykernel") if importlib.util.find_spec(m) is None]
        if missing:
            raise click.UsageError(f"--execute needs {' and '.join(missing)}: "
                                   "pip install 'numpy-dl-autograder[notebooks]'")
    helper = None
    if outputs.get("html_out") is not None:
        # the report's plots and notebooks are made in a second process while the checks run
        # (grader/report/html_process.py)
        from .report.html_process import HtmlProcess

        helper = HtmlProcess(audience)
        helper.notebooks(submission)
    from .engine import GradeOptions, grade      # imported while the second process starts
    from .packs import PackError
    from .profiles import ProfileError
    from .rubric import RubricError

    report = None
    try:
        with _progress(console) as progress:
            report = grade(submission, GradeOptions(rubric=rubric, data=data, limits=limits,
                                                    progress=progress, call_timeout=call_timeout,
                                                    profile=profile, execute_notebooks=execute,
                                                    pack=pack, workers=workers,
                                                    on_result=helper and helper.offer))
    except PackError as exc:
        raise click.UsageError(f"invalid pack: {exc}") from None
    except RubricError as exc:
        raise click.UsageError(f"invalid rubric: {exc}") from None
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        if helper is not None and report is None:
            helper.close()               # nothing was graded: nothing more to make
    made = helper.finish() if helper is not None else None

    shown = report.for_audience(audience)
    if report.error is not None:
        say(f"error: {report.error} ({report.submission})")
    elif quiet:
        click.echo(f"{shown.score:g} / {shown.max_score:g}")
    else:
        from .report import terminal

        terminal.print_report(shown, console)
    with contextlib.nullcontext() if made is None else made.serving():
        for renderer in file_formats():
            path = outputs[_output_name(renderer)]
            if path is not None:
                # Machine outputs follow the audience too: hidden checks never leak expected data.
                _write(path, renderer.render(shown))
    if report.error is not None:
        sys.exit(EXIT_UNGRADABLE)
    if fail_under is not None and report.score < fail_under:
        say(f"score {report.score:g} is below --fail-under {fail_under:g}")
        sys.exit(1)


def _instructor_allowed(pack: Path | None) -> None:
    """``--audience instructor`` reveals hidden checks: only an instructor pack, or a source
    checkout holding the reference, may do so (a student pack has no hidden content anyway)."""
    from .packs import PackError, open_pack
    from .trusted import reference_available

    if pack is not None:
        try:
            kind = open_pack(pack).kind
        except PackError as exc:
            raise click.UsageError(f"invalid pack: {exc}") from None
        if kind != "instructor":
            raise click.UsageError("--audience instructor needs an instructor pack; this is a "
                                   "student pack")
    elif not reference_available():
        raise click.UsageError("--audience instructor needs an instructor pack (--pack) or a "
                               "source checkout with the reference")


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path``; GitHub's step summary file is appended to, never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    append = bool(summary) and path.exists() and Path(summary).exists() and path.samefile(summary)
    with open(path, "a" if append else "w", encoding="utf-8") as fh:
        fh.write(text)


def _console(stderr: bool | None = False):
    """A rich Console (imported here: a ``-q`` run never loads rich)."""
    from rich.console import Console

    return Console() if stderr is None else Console(stderr=stderr)


class _progress:
    """A rich progress bar on the terminal while checks run (silent when not a TTY)."""

    def __init__(self, console):
        self.enabled = console is not None and console.is_terminal
        self.bar = None
        self.task = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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


@main.command("class")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("-o", "--outdir", type=click.Path(path_type=Path), required=True,
              help="Output folder: gradebook.csv, checks.csv, summary.json, students/<id>/.")
@click.option("--rubric", default=None, help="Rubric name or YAML path, as for one submission.")
@click.option("--profile", "profile", default=None, help="Course profile NAME or NAME:VARIANT.")
@click.option("--pack", "pack", type=click.Path(path_type=Path), default=None,
              help="A course pack (an instructor pack for the grade of record), as for one submission.")
@click.option("--data", "data", type=click.Path(path_type=Path), default=None,
              help="A cifar-10-batches-py folder for the training checks.")
@click.option("--call-timeout", type=float, default=None,
              help="Wall-clock seconds allowed for one call into student code.")
@click.option("--execute", "execute", is_flag=True, help="Re-run notebooks in the sandbox.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once [default: the number of cores].")
@click.option("--dask", "dask_address", default=None, envvar="DASK_SCHEDULER_ADDRESS",
              help="Grade on this dask.distributed scheduler (also $DASK_SCHEDULER_ADDRESS).")
@click.option("--force", is_flag=True, help="Regrade every submission, stored results or not.")
@click.option("--only", multiple=True, help="Grade (again) only this student id; repeatable.")
@click.option("--canvas-csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A Canvas gradebook export: write OUTDIR/canvas.csv for import.")
@click.option("--canvas-column", default=None, help="The Canvas assignment column to fill.")
def grade_class_command(submissions, outdir, rubric, profile, pack, data, call_timeout, execute, jobs,
                        dask_address, force, only, canvas_csv, canvas_column):
    """Grade every submission in SUBMISSIONS (a class folder or export) into OUTDIR."""
    from .classroom import ClassBusy, ClassInputError, ClassOptions, grade_class
    from .classroom.gradebook import CanvasError
    from .classroom.progress import ClassProgress, summary_table
    from .classroom.runner import default_jobs
    from .packs import PackError
    from .profiles import ProfileError
    from .rubric import RubricError

    if (canvas_csv is None) != (canvas_column is None):
        raise click.UsageError("--canvas-csv and --canvas-column go together")
    console = _console(stderr=None)
    options = ClassOptions(rubric=rubric, profile=profile, pack=pack, data=data, call_timeout=call_timeout,
                           execute=execute, jobs=jobs or default_jobs(), dask=dask_address,
                           force=force, only=tuple(only))

    def show_input(found):
        console.print(f"{submissions}: {len(found.submissions)} submissions, {found.layout} layout: "
                      f"{found.reason}", highlight=False, markup=False, soft_wrap=True)
        for note in found.notes:
            console.print(f"  note: {note}", highlight=False, markup=False, soft_wrap=True)

    try:
        run = grade_class(submissions, outdir, options, progress=ClassProgress(console),
                          canvas=(canvas_csv, canvas_column) if canvas_csv else None,
                          on_input=show_input)
    except (ClassInputError, ClassBusy, CanvasError, PackError) as exc:
        raise click.UsageError(str(exc)) from None
    except RubricError as exc:
        raise click.UsageError(f"invalid rubric: {exc}") from None
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    for line in run.retried:
        console.print(f"retried: {line}", highlight=False, markup=False, soft_wrap=True)
    console.print(summary_table(run.summary, run.graded_now, run.cached, outdir))
    if run.canvas_unmatched:
        console.print(f"canvas.csv: no Canvas row for {', '.join(run.canvas_unmatched)}",
                      highlight=False, markup=False)


@main.group()
def fixtures():
    """Expected outputs, produced by running the reference (one store: rubrics/fixtures/)."""


def _load(rubric_name):
    from .engine import validate_rubric_checks
    from .rubric import RubricError, load_rubric

    try:
        rubric = load_rubric(rubric_name)
        validate_rubric_checks(rubric)
        return rubric
    except RubricError as exc:
        raise click.UsageError(f"invalid rubric: {exc}") from None


def _load_all(names):
    """The named rubrics, or every packaged rubric when none is named (fixtures are built and
    checked by running the reference: a source checkout only)."""
    from .rubric import list_rubrics
    from .trusted import reference_available

    if not reference_available():
        raise click.UsageError("fixtures are built from the reference solution: run this in a "
                               "source checkout of the grader")
    return [_load(name) for name in (names or list_rubrics())]


@fixtures.command("regenerate")
@click.argument("rubrics", nargs=-1)
@click.option("--all", "force", is_flag=True, help="Rebuild every builder, not only the stale ones.")
def fixtures_regenerate(rubrics, force):
    """Rerun the reference for the stale (or missing) fixture builders of RUBRICS (default: every
    packaged rubric) and rewrite their files in the store (deterministic)."""
    from . import fixtures as store

    loaded = _load_all(rubrics)
    written = store.regenerate(loaded, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo("every fixture builder is up to date")
    for path in store.unused(loaded) if not rubrics else []:
        click.echo(f"unused (no rubric needs it): {path}")


@fixtures.command("check")
@click.argument("rubric", required=False)
def fixtures_check(rubric):
    """Report each fixture builder of RUBRIC (default: every packaged rubric) as fresh or stale;
    exit 1 when one is stale."""
    from . import fixtures as store

    loaded = _load_all([rubric] if rubric else [])
    staleness = store.check(loaded)
    for builder, problems in staleness.builders.items():
        if not problems:
            click.echo(f"{builder}: fresh")
        for problem in problems:
            click.echo(f"{builder}: {problem}", err=True)
    if not rubric:
        for path in store.unused(loaded):
            click.echo(f"unused (no rubric needs it): {path}")
    if not staleness.fresh:
        sys.exit(1)
    click.echo(f"{rubric or 'every rubric'}: fixtures are up to date")


def _first_line(spec) -> str:
    text = spec.doc or (spec.func.__doc__ or "")
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def _number(value) -> str:
    return "-" if value is None else f"{value:g}"


def check_rows(rubric_name: str | None = None) -> list[dict]:
    """One row per check: every registered check with its defaults and the packaged rubrics that
    use it, or (``rubric_name``) that rubric's checks with the rubric's effective settings."""
    from .checks import load_catalogue
    from .checks.base import REGISTRY
    from .rubric import BUILTIN_DEFAULTS, list_rubrics, load_rubric

    load_catalogue()
    if rubric_name is not None:
        rubric = _load(rubric_name)
        rows = []
        for section, rc in rubric.iter_checks():
            spec = REGISTRY[rc.id]
            tolerance = rc.tolerance if rc.tolerance is not None else spec.tolerance
            rows.append({"id": rc.id, "section": section.name, "kind": spec.kind,
                         "points": rc.points, "role": rc.role, "role_variants": list(rc.role_variants),
                         "visibility": rc.visibility,
                         "tolerance": tolerance, "timeout": rc.timeout, "doc": _first_line(spec)})
        return rows
    users: dict[str, list[str]] = {}
    for name in list_rubrics():
        for _, rc in load_rubric(name).iter_checks():
            users.setdefault(rc.id, []).append(name)
    return [{"id": cid, "kind": spec.kind, "tolerance": spec.tolerance,
             "timeout": getattr(spec, "timeout", None) or BUILTIN_DEFAULTS["timeout"],
             "rubrics": users.get(cid, []), "doc": _first_line(spec)}
            for cid, spec in sorted(REGISTRY.items())]


@main.command("checks")
@click.argument("rubric", required=False)
def checks(rubric):
    """List every registered check: first docstring line, kind, default tolerance and timeout, the
    packaged rubrics that use it. With RUBRIC: its checks with its points, visibility, tolerance
    and timeout."""
    rows = check_rows(rubric)
    width = max((len(r["id"]) for r in rows), default=0)
    for r in rows:
        if rubric:
            role = "" if r["role"] == "required" else f" ({r['role']}" + (
                f" in {', '.join(r['role_variants'])})" if r["role_variants"] else ")")
            click.echo(f"{r['id']:<{width}}  {r['section']}  {r['kind']}  {r['points']:g} pts{role}  "
                       f"{r['visibility']}  tol {_number(r['tolerance'])}  "
                       f"timeout {_number(r['timeout'])}s  {r['doc']}")
        else:
            used = ", ".join(r["rubrics"]) or "(no packaged rubric)"
            click.echo(f"{r['id']:<{width}}  {r['kind']}  tol {_number(r['tolerance'])}  "
                       f"timeout {_number(r['timeout'])}s  [{used}]  {r['doc']}")
    if rubric:
        total = sum(r["points"] for r in rows if r["role"] != "extra")
        extra = sum(r["role"] == "extra" for r in rows)
        click.echo(f"{len(rows)} checks, {total:g} points"
                   + (f" ({extra} extra, bonus only)" if extra else ""))
    else:
        click.echo(f"{len(rows)} registered checks")


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


@main.group("gradescope")
def gradescope_group():
    """Deployment on Gradescope (docs/deployment.md)."""


@gradescope_group.command("build")
@click.argument("rubrics", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("autograder.zip"),
              show_default=True, callback=_output_path, help="Where to write the autograder zip.")
@click.option("--python-version", default=None, metavar="X.Y",
              help="Bundle dependency wheels for this Python on Linux x86-64 "
                   "[default: the running interpreter's].")
@click.option("--no-wheels", is_flag=True,
              help="Bundle only the engine wheel; setup.sh installs the rest from the index.")
def gradescope_build(rubrics, output, python_version, no_wheels):
    """Write Gradescope's autograder zip grading with RUBRIC... (names or YAML paths)."""
    from .gradescope.bundle import BundleError, build_bundle

    try:
        bundle = build_bundle(list(rubrics), output, python_version=python_version,
                              with_wheels=not no_wheels)
    except BundleError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {bundle.path} ({bundle.size_bytes / 1e6:.1f} MB, {len(bundle.wheels)} wheels, "
               f"{len(bundle.requirements)} pinned requirements)")
    if bundle.not_bundled:
        click.echo("not bundled (setup.sh installs them from the package index): "
                   + ", ".join(bundle.not_bundled))


@main.group()
def pack():
    """Course packs: a course's rubrics and fixtures apart from the engine (docs/deployment.md)."""


@pack.command("build")
@click.argument("rubrics", nargs=-1, required=True)
@click.option("--public", is_flag=True,
              help="A student pack: visible checks only, no hidden fixtures, hints at the rubric's "
                   "level, starter stubs instead of the reference.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The pack: a folder, or a file ending in .zip.")
@click.option("--name", default=None, help="The pack's name [default: its rubrics' names].")
def pack_build(rubrics, public, output, name):
    """Write the course pack of RUBRICS (names or YAML paths)."""
    from .packs import PackError
    from .packs.build import build_pack
    from .packs.load import sha256_file
    from .rubric import RubricError

    try:
        built = build_pack(list(rubrics), output, public=public, name=name)
    except RubricError as exc:
        raise click.UsageError(f"invalid rubric: {exc}") from None
    except PackError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{built.path}: {built.kind} pack, {built.files} files, {built.size_bytes / 1e6:.2f} MB")
    for line in built.left_out:
        click.echo(f"  left out: {line}")
    if built.path.is_file():
        click.echo(f"  sha256: {sha256_file(built.path)}")


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
