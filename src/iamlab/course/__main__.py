"""``python -m iamlab.course COMMAND``: the instructor's commands (the Makefile calls these).

release     build source/ from the banks, then release/ with nbgrader generate_assignment
autograde   autograde submitted/ (sandboxed), verifying every check outside the kernel;
            --jobs N grades N batches of students at once
feedback    generate HTML feedback for the autograded submissions
examples    regenerate autograded/ from the built-in example submissions
report      what the class gets wrong: per test and per scenario, as CSV, markdown and a plot

Every command takes ``--course DIR`` (the course directory, default: here).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iamlab.course import parallel, pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m iamlab.course", description="The graded course's instructor commands."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument(
            "--course",
            type=Path,
            default=Path("."),
            help="the course directory (default: the current folder)",
        )
        return p

    p = command("release", "build source/ and release/")
    p.add_argument(
        "--bank", type=Path, default=None, help="an instructor's private bank (folder or YAML file)"
    )
    p.add_argument("assignments", nargs="*", default=None)
    p = command("autograde", "autograde submitted/ in the sandbox")
    p.add_argument("assignments", nargs="*", default=None)
    p.add_argument("--force", action="store_true", help="autograde again what was autograded")
    p.add_argument(
        "--jobs", type=int, default=1, help="nbgrader processes at once (iamlab.course.parallel)"
    )
    p = command("feedback", "generate HTML feedback")
    p.add_argument("assignments", nargs="*", default=None)
    command("examples", "regenerate autograded/ from the example submissions")
    p = command("report", "the class report")
    p.add_argument("--out", type=Path, default=None, help="folder for the report files")
    args = parser.parse_args(argv)

    try:
        if args.command == "release":
            pipeline.release(args.course, bank=args.bank, assignments=args.assignments or None)
        elif args.command == "autograde":
            parallel.autograde(
                args.course, jobs=args.jobs, assignments=args.assignments or None, force=args.force
            )
        elif args.command == "feedback":
            pipeline.feedback(args.course, assignments=args.assignments or None)
        elif args.command == "examples":
            from iamlab.course.examples import regenerate

            regenerate(args.course)
        elif args.command == "report":
            pipeline.report(args.course, out=args.out)
    except pipeline.PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
