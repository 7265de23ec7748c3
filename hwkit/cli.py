"""The ``hwkit`` command: parses arguments and calls the library; no logic of its own."""

import argparse
import os
import sys
from pathlib import Path

from hwkit.assignments import ASSIGNMENTS, get_assignment
from hwkit.autograder.manifest import ManifestMismatch
from hwkit.course import CourseConfigError, default_course_dir
from hwkit.datasets.imagenet_dog import COURSE_SIDE, DEFAULT_SIDE, ImageNetDogDataError
from hwkit.datasets.imagenet_sources import SPLIT_SEED
from hwkit.datasets.mnist import MnistDataError
from hwkit.gradebook.roster import RosterError
from hwkit.grading.engine import PrepareError
from hwkit.grading.judge.pool import JudgeSetupError
from hwkit.grading.ray_engine import RayEngineError
from hwkit.intake import IntakeError
from hwkit.leaderboard import RevealRefused
from hwkit.project import PROJECT_ENV_VAR
from hwkit.review import ReviewError
from hwkit.serve.commands import add_serve_commands
from hwkit.textsafe import terminal_text

# The assignment `hwkit demo` builds and grades (the fastest to grade; its roster is in demo.py).
DEMO_ASSIGNMENT = "a2"
COURSE_HELP = "course folder (default: $HWKIT_COURSE or hwkit-out/course)"


def _build(args: argparse.Namespace) -> int:
    from hwkit.builder import build

    for assignment_id in args.assignments or sorted(ASSIGNMENTS):
        assignment = get_assignment(assignment_id)
        print(f"building {assignment.id} from {assignment.master} …", flush=True)
        output = build(assignment, run_tests=not args.no_run_tests)
        print(f"  student release → {output.release_dir}")
        print(f"  autograder zip  → {output.autograder_zip}")
        print(f"  student bundle  → {output.student_zip}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from hwkit.grading.batch import GradeOptions, grade_folder
    from hwkit.reports import score_table

    assignment = get_assignment(args.assignment)
    options = GradeOptions(
        workers=args.workers or os.cpu_count() or 1,
        timeout_s=args.timeout or assignment.timeout_s,
        memory_mb=args.memory_mb or assignment.memory_mb,
        regrade=args.regrade,
        engine=args.engine,
        address=args.address,
        warm=not args.cold,
        regrade_stale=args.regrade_stale,
    )
    if args.address and args.engine != "ray":
        raise RayEngineError("--address is the Ray cluster's: use it with --engine ray")
    report = grade_folder(assignment, list(args.submissions), args.course, options)
    print(score_table(report.results))
    if report.stale:
        shown = ", ".join(terminal_text(name, 60) for name in report.stale[:10])
        more = f" and {len(report.stale) - 10} more" if len(report.stale) > 10 else ""
        print(f"旧评分器 / older autograder: {len(report.stale)} file(s) keep results from an "
              f"autograder built before the current one ({shown}{more}); "
              "--regrade-stale grades just those again", file=sys.stderr)
    print(f"\ngraded {report.graded}, already graded {report.reused}"
          + (f", not graded {len(report.not_graded)} (listed above)" if report.not_graded else ""))
    if report.grader_errors:
        print(f"评分器出错 / grader errors: {report.grader_errors} file(s) could not be graded "
              "because of the grader itself (see their status); run the same command again to "
              "grade just those", file=sys.stderr)
    print(f"gradebook:  {report.gradebook}\nruns:       {report.runs_csv} (every submission "
          "of the course; the LMS grades.csv is `hwkit leaderboard`'s)")
    print(f"feedback:   {report.feedback_dir}/")
    print(f"leaderboard: hwkit leaderboard --course {args.course}")
    return 0


def _roster(args: argparse.Namespace) -> int:
    from hwkit.leaderboard import ensure_course_settings, import_roster

    count, removed = import_roster(args.course, args.csv, replace=not args.add)
    print(f"roster: {count} students imported into {args.course / 'gradebook.sqlite'}")
    written = ensure_course_settings(args.course)
    if written:
        print(f"course: wrote {written}: edit its deadlines and late policy / "
              "请修改截止时间与迟交规则")
    if removed:
        print(f"roster: removed / 已移除 {len(removed)} (not in {args.csv.name}): "
              f"{', '.join(removed)}; their submissions are now unmatched")
    return 0


def _leaderboard(args: argparse.Namespace) -> int:
    from hwkit.course import load_config
    from hwkit.leaderboard import reveal, unreveal, write_leaderboard
    from hwkit.serve.store import course_picks

    course = load_config(args.course, args.config)
    for assignment_id in args.reveal or []:
        when = reveal(args.course, assignment_id.lower(), course, force=args.force)
        print(f"{assignment_id}: private part revealed / 私有榜已公布 (since {when})")
    for assignment_id in args.unreveal or []:
        was = unreveal(args.course, assignment_id.lower())
        print(f"{assignment_id}: private part hidden again / 私有榜已撤回" if was else
              f"{assignment_id}: was not revealed / 未公布过")
    picks = course_picks(args.course, args.database)
    output = write_leaderboard(args.course, args.out, course, picks=picks)
    print(output.terminal)
    if output.checks:
        print(output.checks)
    if output.board.time_unknown:
        print(f"time unknown / 时间未知: {len(output.board.time_unknown)} counted submission(s) "
              f"have no time stamp in their name (see {output.ta_report})")
    if output.board.unmatched or output.board.flagged:
        print(f"unmatched submissions / 未匹配的提交: {len(output.board.unmatched)}, "
              f"flagged / 需核对: {len(output.board.flagged)} "
              f"(see {output.unmatched_csv} and {output.ta_report})")
    print(f"page:       {output.page}\ngrades.csv: {output.grades_csv}")
    print(f"reports:    {output.page.parent / 'reports'}/ ({len(output.reports)} students)")
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from hwkit.similarity import similarity_report

    assignment = get_assignment(args.assignment)
    output = similarity_report(assignment.id, list(args.submissions),
                               assignment.release_dir / assignment.master.name, args.course,
                               top=args.top)
    for rank, pair in enumerate(output.pairs[:10], 1):
        print(f"{rank:3d}  {100 * pair.similarity:5.1f} %  {terminal_text(pair.first, 50)}  ↔  "
              f"{terminal_text(pair.second, 50)}")
    for name, why in output.unreadable:
        print(f"not read / 未读取: {terminal_text(name)}: {why}", file=sys.stderr)
    print(f"{output.submissions} submissions, {len(output.pairs)} pairs share code beyond the "
          f"release\nreport: {output.index} (TA only: it names files)")
    return 0


def _review(args: argparse.Namespace) -> int:
    import nbformat

    from hwkit.leaderboard import who_am_i
    from hwkit.review import export_review, import_scores, written_questions

    assignment = get_assignment(args.assignment)
    release = assignment.release_dir / assignment.master.name
    if args.import_csv:
        questions = list(written_questions(nbformat.read(release, as_version=4)))
        count = import_scores(args.course, assignment.id, args.import_csv, questions, who_am_i())
        print(f"review: {count} written scores imported / 已导入 {count} 个书面题分数; "
              f"`hwkit leaderboard --course {args.course}` adds them to the totals")
        return 0
    if not args.submissions:
        raise IntakeError("give the submissions (as for `hwkit grade`) or --import scores.csv")
    output = export_review(assignment.id, list(args.submissions), args.course, release)
    print(f"review: {output.students} students, written questions: "
          f"{', '.join(output.questions) or 'none'}")
    if output.unmatched:
        print(f"unmatched / 未匹配: {len(output.unmatched)} file(s) (not on the roster)",
              file=sys.stderr)
    print(f"read:  {output.page}\nscore: {output.scores_csv} (fill in `score`, then "
          f"`hwkit review {assignment.id} --import {output.scores_csv} --course {args.course}`)")
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    from hwkit.leaderboard import withdraw

    changed = withdraw(args.course, get_assignment(args.assignment).id, args.submission,
                       args.reason, restore=args.restore)
    name = terminal_text(args.submission)
    if args.restore:
        print(f"{name}: restored / 已恢复" if changed else f"{name}: was not withdrawn / 未撤下")
    else:
        print(f"{name}: withdrawn from the board and grades.csv / 已撤下 (--restore undoes it)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from hwkit.demo import run_demo

    run_demo(get_assignment(DEMO_ASSIGNMENT), args.out, workers=args.workers)
    return 0


def _imagenet_dog(args: argparse.Namespace) -> int:
    """Select from a tree (optional), build the cache, report it."""
    import json

    from hwkit.datapaths import dataset_dir
    from hwkit.datasets.imagenet_dog import load_imagenet_dog
    from hwkit.datasets.imagenet_sources import DATASET, save_tree_selection

    folder = args.data_dir or dataset_dir(DATASET)
    if args.imagenet_tree:
        print(save_tree_selection(folder, args.imagenet_tree, args.size, args.dog_fraction,
                                  args.seed))
    images = load_imagenet_dog(args.side, data_dir=folder, seed=args.seed)
    summary = ("counts", "skipped", "sha256", "build_seconds")
    print(json.dumps({k: images.manifest[k] for k in summary}, ensure_ascii=False))
    print(f"cache: {images.cache_dir}")
    return 0


def _imagenet_dog_parser(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Build (once) and describe the ImageNet-dog cache. Without options it uses "
        "$HWKIT_DATA/imagenet_dog/dog/ + other/ (or an earlier tree selection, or the CIFAR-10 "
        "stand-in).")
    parser.add_argument("--side", type=int, default=DEFAULT_SIDE,
                        help=f"image side in pixels (default {DEFAULT_SIDE}; the course's "
                             f"{COURSE_SIDE})")
    parser.add_argument("--imagenet-tree", type=Path, metavar="DIR",
                        help="ImageNet train folder (one sub-folder per synset) to select from")
    parser.add_argument("--size", type=int, default=50_000,
                        help="with --imagenet-tree: images to select (default 50,000)")
    parser.add_argument("--dog-fraction", type=float, default=0.45,
                        help="with --imagenet-tree: share of dogs (default 0.45)")
    parser.add_argument("--seed", type=int, default=SPLIT_SEED, help="selection and split seed")
    parser.add_argument("--data-dir", type=Path, help="default: $HWKIT_DATA/imagenet_dog")


def _data(args: argparse.Namespace) -> int:
    if args.dataset == "mnist":
        from hwkit.datasets import mnist

        return mnist.main()
    if args.dataset == "imagenet-dog":
        return _imagenet_dog(args)
    from hwkit.datasets import xiaogege

    xiaogege.main()
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hwkit", description="Homework kit and autograder for 青年AI自强计划 · 计算机视觉课"
    )
    parser.add_argument("--project", type=Path, metavar="DIR",
                        help="the kit checkout to work on (default: the working folder's, "
                             "else the installed package's)")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="master notebooks → student releases + autograders")
    build.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    build.add_argument("--no-run-tests", action="store_true",
                       help="skip checking the solution against its tests")
    build.set_defaults(func=_build)

    grade = commands.add_parser("grade", help="grade submissions (folders, zips, notebooks)")
    grade.add_argument("assignment", help=f"assignment id ({', '.join(sorted(ASSIGNMENTS))})")
    grade.add_argument("submissions", type=Path, nargs="+",
                       help="submitted notebooks: a folder (flat, or one sub-folder per "
                            "student), a zip of the LMS export, or .ipynb files")
    grade.add_argument("--course", "--out", dest="course", type=Path,
                       default=default_course_dir(),
                       help="course folder for the gradebook and reports (--out: the old "
                            "name); default: $HWKIT_COURSE or hwkit-out/course")
    grade.add_argument("--workers", type=int, help="parallel submissions (default: cores)")
    grade.add_argument("--timeout", type=float, help="seconds per submission")
    grade.add_argument("--memory-mb", type=int, help="memory limit per grading process, MiB")
    grade.add_argument("--regrade", action="store_true", help="grade files already graded")
    grade.add_argument("--regrade-stale", action="store_true",
                       help="grade again only the files last graded by an older autograder "
                            "(after `hwkit build` changed the tests); without it they are "
                            "listed and keep their results")
    grade.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="local: a pool on this machine (default); ray: Ray tasks on a "
                            "cluster (needs pip install \".[cluster]\")")
    grade.add_argument("--address", metavar="ADDR",
                       help="the Ray cluster's head, HOST:6379 (with --engine ray; default: "
                            "the cluster started on this machine, else a local Ray)")
    grade.add_argument("--cold", action="store_true",
                       help="start every kernel from scratch instead of forking it from a warm "
                            "process (slower; for comparison)")
    grade.set_defaults(func=_grade)

    roster = commands.add_parser("roster", help="the course's students")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    roster_import = roster_commands.add_parser(
        "import", help="import roster.csv (student_id, name, nickname, group, show_name)"
    )
    roster_import.add_argument("csv", type=Path, help="roster CSV, UTF-8, with a header row")
    roster_import.add_argument("--add", action="store_true",
                               help="add or update these lines, keep the others (default: the "
                                    "CSV becomes the roster; removed ids are listed)")
    roster_import.add_argument("--course", type=Path, default=default_course_dir(),
                               help=COURSE_HELP)
    roster_import.set_defaults(func=_roster)
    add_serve_commands(commands, roster_commands, COURSE_HELP)

    board = commands.add_parser("leaderboard", help="write the cohort leaderboard and grades")
    board.add_argument("--course", type=Path, default=default_course_dir(), help=COURSE_HELP)
    board.add_argument("--out", type=Path, help="output folder (default: <course>/leaderboard)")
    board.add_argument("--reveal", action="append", metavar="ASSIGNMENT",
                       help="show this assignment's private part from now on (repeatable; "
                            "refused before its deadline unless --force)")
    board.add_argument("--unreveal", action="append", metavar="ASSIGNMENT",
                       help="hide this assignment's private part again (repeatable)")
    board.add_argument("--force", action="store_true",
                       help="reveal before the deadline or without a private part")
    board.add_argument("--config", type=Path, help="course.toml to use")
    board.add_argument("--database", metavar="URL",
                       help="`hwkit serve`'s database, for the students' picks (default: the "
                            "course's gradebook.sqlite)")
    board.set_defaults(func=_leaderboard)

    similar = commands.add_parser(
        "similarity", help="rank pairs of submissions by code they share (copying report)")
    similar.add_argument("assignment", help="assignment id (its release's code is not counted)")
    similar.add_argument("submissions", type=Path, nargs="+",
                         help="the same inputs as `hwkit grade`: folders, zips, notebooks")
    similar.add_argument("--course", type=Path, default=default_course_dir(), help=COURSE_HELP)
    similar.add_argument("--top", type=int, default=100, help="pairs with a side-by-side page")
    similar.set_defaults(func=_similarity)

    review = commands.add_parser("review", help="written answers: export to read and score, "
                                                "then --import the scores")
    review.add_argument("assignment", help="assignment id")
    review.add_argument("submissions", type=Path, nargs="*",
                        help="the same inputs as `hwkit grade`: folders, zips, notebooks")
    review.add_argument("--course", type=Path, default=default_course_dir(), help=COURSE_HELP)
    review.add_argument("--import", dest="import_csv", type=Path, metavar="SCORES_CSV",
                        help="import a filled-in scores.csv into the gradebook")
    review.set_defaults(func=_review)

    withdraw = commands.add_parser(
        "withdraw", help="keep a graded submission off the board and grades.csv (or restore it)")
    withdraw.add_argument("assignment", help="assignment id")
    withdraw.add_argument("submission", help="the submission's name, as `hwkit grade` lists it")
    withdraw.add_argument("--course", type=Path, default=default_course_dir(), help=COURSE_HELP)
    withdraw.add_argument("--reason", default="", help="why (kept in the course log)")
    withdraw.add_argument("--restore", action="store_true", help="put it back")
    withdraw.set_defaults(func=_withdraw)

    demo = commands.add_parser("demo", help="build A2 and grade sample submissions")
    demo.add_argument("--out", type=Path, default=Path("hwkit-out/demo"))
    demo.add_argument("--workers", type=int)
    demo.set_defaults(func=_demo)

    data = commands.add_parser("data", help="find, download or build a dataset")
    datasets = data.add_subparsers(dest="dataset", required=True)
    datasets.add_parser("xiaogege", help="rebuild the shipped 小哥哥 CSV")
    datasets.add_parser("mnist", help="find or download MNIST and say which source is used")
    _imagenet_dog_parser(datasets.add_parser("imagenet-dog", help="build the ImageNet-dog cache"))
    data.set_defaults(func=_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    # TensorFlow's start-up INFO lines (CPU features, no CUDA) fill the TA's terminal on every
    # CPU machine; level 1 drops them and keeps its warnings and errors.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    args = make_parser().parse_args(argv)
    before = os.environ.get(PROJECT_ENV_VAR)
    if args.project:
        os.environ[PROJECT_ENV_VAR] = str(args.project.resolve())
    try:
        return args.func(args)
    except (KeyError, FileNotFoundError, NotADirectoryError, MnistDataError, ImageNetDogDataError,
            PrepareError, RosterError, CourseConfigError, RayEngineError,
            JudgeSetupError, ManifestMismatch, IntakeError, RevealRefused, ReviewError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"hwkit: {message}", file=sys.stderr)
        return 2
    finally:  # `main` called as a function (tests, notebooks) leaves the environment as it was
        if args.project:
            if before is None:
                os.environ.pop(PROJECT_ENV_VAR, None)
            else:
                os.environ[PROJECT_ENV_VAR] = before


if __name__ == "__main__":
    sys.exit(main())
