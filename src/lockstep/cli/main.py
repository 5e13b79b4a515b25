"""The ``lockstep`` command. Each verb lives in its own module under ``lockstep.cli``."""

from __future__ import annotations

import logging
import sys

import click

from lockstep import __version__
from lockstep.cli import common
from lockstep.cli.common import LazyGroup
from lockstep.errors import LockstepError

COMMANDS = {
    "ingest": "lockstep.cli.ingest:ingest",
    "formats": "lockstep.cli.ingest:formats",
    "quarantine": "lockstep.cli.ingest:quarantine",
    "stats": "lockstep.cli.stats:stats",
    "export": "lockstep.cli.export:export",
    "detect": "lockstep.cli.detect:detect",
    "networks": "lockstep.cli.networks:networks",
    "network": "lockstep.cli.networks:network",
    "members": "lockstep.cli.networks:members",
    "scores": "lockstep.cli.networks:scores",
    "intel": "lockstep.cli.intel:intel",
    "narratives": "lockstep.cli.narratives:narratives",
    "pivots": "lockstep.cli.narratives:pivots",
    "watch": "lockstep.cli.watch:watch",
    "follow": "lockstep.cli.follow:follow",
    "replay": "lockstep.cli.replay:replay",
    "synth": "lockstep.cli.synth:synth",
    "evaluate": "lockstep.cli.evaluate:evaluate",
    "report": "lockstep.cli.report:report",
    "demo": "lockstep.cli.demo:demo",
    "signals": "lockstep.cli.signals:signals",
    "serve": "lockstep.cli.serve:serve",
    "admin": "lockstep.cli.admin:admin",
    "share": "lockstep.cli.share:share",
    "ui": "lockstep.cli.ui:ui",
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lockstep")
@click.option("-v", "--verbose", count=True, help="Log more (-v: info, -vv: debug) to stderr.")
def cli(verbose: int) -> None:
    """Lockstep finds coordinated inauthentic behaviour in social-media data, shows the
    evidence, and shares what it finds as threat intelligence.

    Start with `lockstep demo`, or `lockstep ingest FILE...` then `lockstep detect`.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main() -> None:
    """Entry point: runs the CLI and turns Lockstep's errors into a message and an exit code."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        common.err_console.print("Aborted.")
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except LockstepError as exc:
        common.err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        common.err_console.print("Interrupted.")
        sys.exit(130)
    except OSError as exc:
        # A file that cannot be written or read (disk full, no permission, a device): one line
        # naming it, not a traceback. Lockstep's own failures are LockstepErrors above.
        where = f" '{exc.filename}'" if exc.filename else ""
        common.err_console.print(f"[bold red]Error:[/] cannot use{where}: {exc.strerror or exc}. "
                          "Check the path, its permissions and the free space.", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
