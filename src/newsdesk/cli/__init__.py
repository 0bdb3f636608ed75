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

from ..errors import NewsdeskError

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
}


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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


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
    except NewsdeskError as err:
        click.echo(f"newsdesk: {err}", err=True)
        sys.exit(err.exit_code)
    except BrokenPipeError:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - head/less closed the pipe: not an error
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
    sys.exit(0)
