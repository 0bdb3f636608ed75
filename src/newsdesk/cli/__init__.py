"""The ``newsdesk`` command line: a thin shell over :class:`newsdesk.Desk`.

Subcommands are loaded lazily (click's LazyGroup pattern) so that ``--help``
and ``search`` never import spaCy, FastAPI or matplotlib. Errors become one
line on stderr: exit 1 for errors, 2 for bad usage or query syntax, 130 when
interrupted.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ..errors import BadParameter, NewsdeskError

# command name -> "module:function" under newsdesk.cli, imported on first use
COMMANDS: dict[str, str] = {
    "ingest": "core:ingest",
    "search": "core:search",
    "show": "core:show",
    "stats": "core:stats",
    "reindex": "core:reindex",
    "eval": "evaluate:eval_cmd",
    "timeline": "analysis:timeline",
    "top": "analysis:top",
    "export": "analysis:export",
    "serve": "serve:serve",
    "keys": "serve:keys",
    "enrich": "entities:enrich",
    "entity": "entities:entity",
    "entities": "entities:entities",
    "quotes": "entities:quotes",
    "stories": "stories:stories",
    "story": "stories:story",
    "feeds": "follow:feeds",
    "poll": "follow:poll",
    "watch": "follow:watch",
    "alerts": "follow:alerts",
    "spikes": "follow:spikes",
    "snapshot": "follow:snapshot",
    "spark": "spark:spark",
    "import": "spark:import_",
}

# short help shown by ``newsdesk --help`` without importing the command's module
SUMMARIES: dict[str, str] = {
    "ingest": "Read files, directories, globs or feed URLs into the desk.",
    "search": "Search the desk: ranked, highlighted results.",
    "show": "Print one article in full (by id or external id).",
    "stats": "Counts: articles, sources, date range, articles per month.",
    "reindex": "Rebuild the search index from the store alone.",
    "eval": "Measure ranking quality against relevance judgements.",
    "timeline": "Matching articles per day/week/month (attention over time).",
    "top": "Top terms, sources or entities of a query's matches.",
    "export": "Write every match of a query to CSV or JSON Lines.",
    "serve": "Run the HTTP API and web UI.",
    "keys": "Manage API keys for writes over HTTP.",
    "enrich": "Extract entities and quotes from articles not yet enriched.",
    "entity": "Everything about one person, organisation or place.",
    "entities": "The most covered entities, overall or within a query.",
    "quotes": "Who said what: quotations with their speakers.",
    "stories": "The biggest or fastest-growing stories, overall or of a query.",
    "story": "One story: its articles in time order, copies, timeline, entities.",
    "feeds": "Follow RSS/Atom feeds: add, list, remove, OPML import/export.",
    "poll": "Fetch the followed feeds once and ingest what is new.",
    "watch": "Keep polling feeds and delivering alerts on schedule.",
    "alerts": "Saved searches that alert by Atom, webhook or email.",
    "spikes": "Days or hours when a query's share of coverage spiked.",
    "snapshot": "Frozen result sets: create, list, show, export, delete.",
    "spark": "Bulk ingest, enrichment, copies and analytics on Apache Spark.",
    "import": "Load the Parquet of `newsdesk spark run` into the desk.",
}


class _PipeClosed(Exception):
    """The reader of stdout went away (``newsdesk search … | head -1``): not an error."""


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("newsdesk"):
                return _unavailable(name)
            raise
        return getattr(module, attr)

    def invoke(self, ctx: click.Context):
        # click.main swallows a broken pipe into a bare exit 1; hand it to main() instead
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _PipeClosed from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class QueryCommand(click.Command):
    """A command whose QUERY words may start with '-' (``newsdesk search james -treasury``).

    Click would read ``-treasury`` as the options ``-t -r -e ...``. Before click
    parses, every argument that starts with a single '-' and is not one of this
    command's options (nor its value) is moved behind ``--``, where click takes
    it as query text; the order of the query words is kept. Unknown ``--long``
    options still fail as usage errors, and ``--`` works as usual.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _query_words_last(self.get_params(ctx), args))


def _query_words_last(params: list[click.Parameter], args: list[str]) -> list[str]:
    takes_value: dict[str, int] = {}  # option name -> how many values follow it
    for param in params:
        if isinstance(param, click.Option):
            n = 0 if (param.is_flag or param.count) else param.nargs
            for name in (*param.opts, *param.secondary_opts):
                takes_value[name] = n
    options: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            words += args[i + 1:]
            break
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if arg.startswith("--") or name in takes_value:
            options.append(arg)
            n = takes_value.get(name, 0) if "=" not in arg else 0
            options += args[i + 1:i + 1 + n]
            i += 1 + n
            continue
        if takes_value.get(arg[:2]) and arg[2:].isdigit():  # -n5
            options.append(arg)
        else:
            words.append(arg)  # a query word, perhaps one such as -treasury
        i += 1
    return options + ["--", *words] if words else options


def _unavailable(name: str) -> click.Command:
    @click.command(name, help=SUMMARIES.get(name, ""))
    def cmd() -> None:
        raise NewsdeskError(f"'newsdesk {name}' is not available in this build")

    return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data",
    metavar="DIR",
    envvar="NEWSDESK_DATA",
    default="newsdesk-data",
    show_default=True,
    help="Data directory (SQLite store + search index). Env: NEWSDESK_DATA.",
)
@click.version_option(package_name="newsdesk")
@click.pass_context
def cli(ctx: click.Context, data: str) -> None:
    """newsdesk: search and follow the news.

    Ingest articles from text, JSON Lines, CSV, HTML, RSS/Atom and WARC files,
    then search them with Lucene-style queries.

    \b
    Examples:
      newsdesk ingest ../shared/data/reuters21578/reuters21578.jsonl.gz
      newsdesk search "james baker" --limit 5
      newsdesk search 'title:cocoa AND published:[1987-03-01 TO 1987-03-31]' --json
      newsdesk show 12345
    """
    ctx.obj = {"data": data}


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning errors into one line and an exit status."""
    try:
        cli.main(args=argv, prog_name="newsdesk", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted: run the same command again to finish; nothing committed is lost", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted: run the same command again to finish; nothing committed is lost", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BadParameter as err:  # the library names its parameter; here it is a flag
        click.echo(f"newsdesk: {err.as_flag()}", err=True)
        sys.exit(err.exit_code)
    except NewsdeskError as err:
        click.echo(f"newsdesk: {err}", err=True)
        sys.exit(err.exit_code)
    except (_PipeClosed, BrokenPipeError):
        _quiet_stdout()
        sys.exit(0)
    except Exception as err:  # a traceback never reaches a user unless asked for
        if os.environ.get("NEWSDESK_DEBUG"):
            raise
        click.echo(
            f"newsdesk: internal error: {type(err).__name__}: {err} "
            "(set NEWSDESK_DEBUG=1 for the traceback, and please report it)",
            err=True,
        )
        sys.exit(1)
    try:
        sys.stdout.flush()  # here, not at interpreter exit, so a closed pipe is caught
    except BrokenPipeError:
        _quiet_stdout()
    sys.exit(0)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the final flush at exit cannot fail on a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (e.g. captured output)
        pass
