"""Email deliveries through SMTP (stdlib ``smtplib``): plain text and HTML in one message.

The server and the login come from the environment or from the data
directory's ``settings.toml`` (``[smtp]`` table), never from the command line,
where a password would land in the shell history and in ``ps``:

=========================  ==========  ============================================
environment                settings    meaning
=========================  ==========  ============================================
``NEWSDESK_SMTP_HOST``     ``host``    server name; email alerts fail without one
``NEWSDESK_SMTP_PORT``     ``port``    default 25, 587 with starttls, 465 with ssl
``NEWSDESK_SMTP_SECURITY`` ``security``  ``none``, ``starttls`` or ``ssl``
``NEWSDESK_SMTP_USER``     ``user``    login (no login when unset)
``NEWSDESK_SMTP_PASSWORD`` ``password``
``NEWSDESK_SMTP_FROM``     ``from``    sender address, default ``newsdesk@localhost``
=========================  ==========  ============================================

The environment wins over the file.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from typing import Any

TIMEOUT_S = 20.0
_KEYS = ("host", "port", "security", "user", "password", "from")


@dataclass
class SmtpSettings:
    host: str = ""
    port: int = 0
    security: str = "none"  # none | starttls | ssl
    user: str = ""
    password: str = ""
    sender: str = "newsdesk@localhost"

    @classmethod
    def load(cls, data_dir: str | None) -> SmtpSettings:
        values: dict[str, Any] = {}
        path = os.path.join(data_dir, "settings.toml") if data_dir else ""
        if path and os.path.exists(path):
            try:
                with open(path, "rb") as fh:
                    values.update(tomllib.load(fh).get("smtp") or {})
            except (OSError, tomllib.TOMLDecodeError) as err:
                raise ValueError(f"{path}: cannot read the [smtp] settings: {err}") from None
        for key in _KEYS:
            env = os.environ.get(f"NEWSDESK_SMTP_{key.upper()}")
            if env is not None:
                values[key] = env
        security = str(values.get("security") or "none").lower()
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"NEWSDESK_SMTP_SECURITY {security!r}: use none, starttls or ssl")
        default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
        return cls(
            host=str(values.get("host") or ""),
            port=int(values.get("port") or default_port),
            security=security,
            user=str(values.get("user") or ""),
            password=str(values.get("password") or ""),
            sender=str(values.get("from") or "newsdesk@localhost"),
        )


def compose(sender: str, to: str, subject: str, items: list[dict[str, Any]], intro: str) -> EmailMessage:
    """The message: a plain-text part and an HTML part listing ``items`` (title, source, date, url)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="newsdesk.local")
    lines = [intro, ""]
    for it in items:
        lines.append(f"* {it.get('title') or '(untitled)'}")
        meta = " · ".join(x for x in (it.get("source", ""), (it.get("published") or "")[:10]) if x)
        if meta:
            lines.append(f"  {meta}")
        if it.get("url"):
            lines.append(f"  {it['url']}")
    msg.set_content("\n".join(lines) + "\n")
    rows = []
    for it in items:
        title = escape(it.get("title") or "(untitled)")
        link = f'<a href="{escape(it["url"])}">{title}</a>' if it.get("url") else title
        meta = escape(" · ".join(x for x in (it.get("source", ""), (it.get("published") or "")[:10]) if x))
        rows.append(f"<li>{link}<br><small>{meta}</small></li>")
    msg.add_alternative(f"<p>{escape(intro)}</p>\n<ul>\n" + "\n".join(rows) + "\n</ul>\n", subtype="html")
    return msg


def send(settings: SmtpSettings, msg: EmailMessage) -> tuple[bool, int, str]:
    """Hand ``msg`` to the SMTP server; (ok, SMTP reply code or 0, one-line error)."""
    if not settings.host:
        return False, 0, "no SMTP server configured: set NEWSDESK_SMTP_HOST (see docs/how-to/alerts.md)"
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password)
            refused = client.send_message(msg)
            if refused:
                return False, 550, f"refused recipients: {', '.join(refused)}"
            return True, 250, ""
    except smtplib.SMTPResponseException as err:
        return (
            False,
            int(err.smtp_code),
            f"SMTP {err.smtp_code}: {err.smtp_error.decode('utf-8', 'replace')[:120]}",
        )
    except (smtplib.SMTPException, OSError) as err:
        return False, 0, f"SMTP {settings.host}:{settings.port}: {' '.join(str(err).split())[:160]}"
