"""Newsdesk on Apache Spark: bulk ingest, enrichment, copies and analytics beyond one machine.

``newsdesk spark run`` (or ``spark-submit -m newsdesk.spark run …``) reads inputs with the
embedded readers, enriches with the entity stage's own compute and finds copies with the
copies stage's own MinHash functions, writing Parquet that ``newsdesk import`` loads into a
desk. ``newsdesk spark timeline|top`` count many queries over that Parquet. pyspark is
imported only inside the functions that need a session (``newsdesk --help`` stays light).
See docs/how-to/spark.md.
"""

from __future__ import annotations

from typing import Any

__all__ = ["available", "run", "session"]


def available() -> str | None:
    """Why the Spark job cannot run here (pyspark or java missing), or None."""
    import shutil

    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install 'newsdesk[spark]'"
    import os

    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return "Spark needs Java 17 (apt-get install openjdk-17-jre-headless, or set JAVA_HOME)"
    return None


def run(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from .job import run as _run

    return _run(*args, **kwargs)


def session(master: str | None = None) -> Any:
    from .job import session as _session

    return _session(master)
