"""The `landcheck` group: -v/-q and logging, the commands, and how an error ends a command.

Exit status: 0 nothing found (`run`: outputs written), 1 findings or QA problems (`run` only with
--fail-on-findings), 2 bad input, usage or environment (a
`LandcheckError`, a click usage error, no permission, a full disk), 3 an internal error (a bug: the
traceback goes to a file whose path is printed), 130 interrupted. Holds no command's logic.
"""

from __future__ import annotations

import atexit
import errno
import logging
import sys
import tempfile
import traceback

import click

from .. import __version__
from ..errors import LandcheckError
from .farmland import farmland
from .init import init
from .inspect import inspect
from .ledger import ledger
from .map import map_command
from .options import add_verbosity_options
from .run import run
from .survey import survey
from .transfer import transfer
from .evidence import evidence
from .supplement import supplement

#: OSErrors that are the machine's state or a wrong path, not a bug: exit 2 like bad input.
ENVIRONMENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EEXIST, errno.ENOTDIR,
                      errno.EISDIR, errno.ENAMETOOLONG, errno.EFBIG}
#: What to do about them, said after the error.
ENVIRONMENT_FIXES = {errno.EEXIST: "a file is where a folder is needed: give another output folder",
                     errno.ENOTDIR: "a file is where a folder is needed: give another output folder",
                     errno.EISDIR: "a folder is where a file is needed: give a file",
                     errno.ENOSPC: "the disk is full: free space or write elsewhere",
                     errno.EFBIG: "the file is larger than this system allows: write elsewhere",
                     errno.EROFS: "the disk is read-only: write elsewhere", errno.EACCES: "no permission: write elsewhere",
                     errno.EPERM: "no permission: write elsewhere"}


def write_crash_report(exc: BaseException) -> str | None:
    """Write the traceback of `exc` (with the version and the command line) to a temporary file
    landcheck-crash-*.txt; its path, or None when it cannot be written."""
    try:
        with tempfile.NamedTemporaryFile("w", prefix="landcheck-crash-", suffix=".txt", delete=False,
                                         encoding="utf-8") as f:
            f.write(f"landcheck {__version__}\ncommand: {' '.join(sys.argv)}\n\n")
            f.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
            return f.name
    except OSError:
        return None


def quiet_dask_exit() -> None:
    """After Ctrl-C during a dask run: no traceback from distributed's exit hook closing a local cluster
    that was being started (its worker processes got the same Ctrl-C and are gone)."""
    if "distributed" in sys.modules:  # the nanny's late lines ("exit status was already read …") while exiting
        logging.disable(logging.CRITICAL)
    spec = sys.modules.get("distributed.deploy.spec")
    if spec is not None and hasattr(spec, "close_clusters"):
        atexit.unregister(spec.close_clusters)


def interrupted(exc: BaseException) -> bool:
    """Whether Ctrl-C caused `exc`: Python wraps a KeyboardInterrupt raised while a class is created
    (e.g. during a dask import) into RuntimeError("Error calling __set_name__ …")."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class LandcheckGroup(click.Group):
    """A click group that turns landcheck's own errors into one line and exit status 2, and any
    unexpected error (a bug) into one line, a traceback file and exit status 3."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LandcheckError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            self.interrupted_exit(ctx)
        except OSError as exc:
            if exc.errno not in ENVIRONMENT_ERRNOS:
                self.crash(ctx, exc)
            where = f"{exc.filename}: " if exc.filename else ""
            fix = ENVIRONMENT_FIXES.get(exc.errno)
            click.echo(f"Error: {where}{exc.strerror}" + (f"; {fix}." if fix else "."), err=True)
            ctx.exit(2)
        except Exception as exc:
            if not interrupted(exc):
                self.crash(ctx, exc)
            self.interrupted_exit(ctx)

    @staticmethod
    def interrupted_exit(ctx: click.Context) -> None:
        """Ctrl-C: quiet the dask cluster's exit, one line, exit 130."""
        quiet_dask_exit()
        click.echo("Interrupted.", err=True)
        ctx.exit(130)

    @staticmethod
    def crash(ctx: click.Context, exc: BaseException) -> None:
        """A bug: say so in a few lines, keep the traceback in a file (on stderr too with -v), exit 3."""
        if (ctx.obj or {}).get("verbose", 0) > 0:
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        path = write_crash_report(exc)
        report = (f"the full traceback is in {path}. Please report it with that file and the command you ran."
                  if path else "run it again with -v to see the traceback, and please report it.")
        click.echo(f"Error: internal error {type(exc).__name__}: {exc}\nThis is a bug in landcheck: {report}", err=True)
        ctx.exit(3)


@click.group(cls=LandcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="landcheck")
@click.option("-v", "--verbose", count=True, help="More detail 详细信息 (repeat for debug; also after the command).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors 只显示错误 (also after the command).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """landcheck — 耕地保护核查: permanent basic farmland, land transfer, survey layers, ledgers, maps."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = -1 if quiet else verbose
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)


for command in (inspect, init, run, farmland, transfer, survey, ledger, map_command, supplement, evidence):
    add_verbosity_options(command)
    cli.add_command(command)


def main() -> None:
    try:
        cli(obj={})
    except SystemExit as exc:
        if exc.code == 130:  # interrupted: the shutdown of a dask run's threads must not take a Ctrl-C again
            import signal   # (it would end the process by SIGINT, exit -2, after "Interrupted.")

            signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise
