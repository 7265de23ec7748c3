"""The ``hwkit roster tokens`` and ``hwkit serve`` commands: arguments in, library calls out."""

import argparse
import sys
from pathlib import Path

from hwkit.course import default_course_dir
from hwkit.gradebook.roster import RosterError

DATABASE_HELP = ("the live service's database, a SQLAlchemy URL such as "
                 "postgresql://user@host/db (default: the course's gradebook.sqlite)")


def run_roster_tokens(args: argparse.Namespace) -> int:
    import csv

    from hwkit.leaderboard import open_course
    from hwkit.serve.store import Store, default_url
    from hwkit.serve.tokens import student_tokens

    with open_course(args.course) as gradebook:
        roster = [s.student_id for s in gradebook.roster()]
    if not roster:
        raise RosterError(f"{args.course} has no roster: run `hwkit roster import` first")
    store = Store.open(args.database or default_url(args.course))
    try:
        rows = student_tokens(args.course, store, roster, rotate=args.rotate, whole_roster=True)
    finally:
        store.close()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["student_id", "token"])
    writer.writerows(rows)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from hwkit.serve.server import ServeOptions, run

    return run(args.course, ServeOptions(
        host=args.host, port=args.port, workers=args.workers or 0, database=args.database,
        engine=args.engine, address=args.address, show_student_links=args.show_student_links,
        secure_cookies=args.secure_cookies))


def add_serve_commands(commands, roster_commands, course_help: str) -> None:
    """``roster tokens`` under ``roster_commands``, ``serve`` under ``commands``."""
    tokens = roster_commands.add_parser(
        "tokens", help="print CSV student_id,token for the LMS mail merge (`hwkit serve` logins)")
    tokens.add_argument("--course", type=Path, default=default_course_dir(), help=course_help)
    tokens.add_argument("--rotate", action="store_true",
                        help="new tokens for everyone; the old ones stop working")
    tokens.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    tokens.set_defaults(func=run_roster_tokens)

    serve = commands.add_parser("serve", help="the live course service: uploads, queue, "
                                              "feedback, live leaderboard, TA dashboard")
    serve.add_argument("--course", type=Path, default=default_course_dir(), help=course_help)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, help="submissions graded at once (default: "
                                                   "the cores, as hwkit grade)")
    serve.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    serve.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="as `hwkit grade --engine`")
    serve.add_argument("--address", metavar="ADDR", help="the Ray cluster (with --engine ray)")
    serve.add_argument("--show-student-links", action="store_true",
                       help="print every student's login link (a demo; a course mails them)")
    serve.add_argument("--secure-cookies", action="store_true",
                       help="send the session cookie over HTTPS only (behind a TLS proxy)")
    serve.set_defaults(func=run_serve)
