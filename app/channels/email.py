"""Email over SMTP: one kept connection per adapter, multipart text + HTML messages."""

from __future__ import annotations

import html
import io
import re
import secrets
import smtplib
import socket
import ssl
import threading
from collections.abc import Mapping
from email.generator import BytesGenerator
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from typing import Any

from app.channels.base import CheckResult, Message, SendResult
from app.channels.settings import setting

# Inline styles only: most mail clients drop <style> blocks. No braces in the markup, so the
# layout can go through str.format and the (already escaped) fragment is inserted verbatim.
HTML_LAYOUT = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0"
 style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellspacing="0" cellpadding="0" border="0"
 style="max-width:600px;width:100%;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:28px 32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;
line-height:1.6;color:#1f2937;">
{content}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""

# Errors after which smtplib has already dropped the socket, or the stream is in an unknown state.
_RECONNECTABLE = (
    smtplib.SMTPServerDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
)


def render_html(subject: str, fragment: str) -> str:
    """Wrap an already-escaped HTML fragment in the mail layout."""
    return HTML_LAYOUT.format(title=html.escape(subject), content=fragment)


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _header_safe(value: str, name: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(f"line break in the {name} header")
    return value


def _encoded(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def build_email(message: Message, from_email: str) -> MIMEBase:
    """Build the MIME message: text part, optional HTML alternative, identifying headers.

    Built with the compat32 MIME classes: about three times cheaper than EmailMessage's header
    registry, which matters at hundreds of messages per second per worker.
    """
    text = MIMEText(message.body, "plain", "utf-8")
    if message.html_body:
        # A random boundary set here spares the generator a regex compiled per message to pick one
        # that does not occur in the (base64-encoded) parts; "_" and "." never occur in base64.
        mail: MIMEBase = MIMEMultipart("alternative", boundary=f"_avisos.{secrets.token_hex(16)}_")
        mail.attach(text)
        mail.attach(MIMEText(render_html(message.subject, message.html_body), "html", "utf-8"))
    else:
        mail = text
    from_header, domain = _sender(from_email)
    mail["From"] = from_header
    mail["To"] = _header_safe(message.recipient, "To")
    mail["Subject"] = _encoded(_header_safe(message.subject, "Subject"))
    mail["Date"] = formatdate(usegmt=True)
    # One Message-ID per notification: a message sent again (its first attempt's outcome was lost
    # in a crash) is the same message, which the recipient's mail system can recognise.
    mail["Message-ID"] = (f"<{message.notification_id}@{domain}>" if _ID.fullmatch(message.notification_id or "")
                          else make_msgid(domain=domain))
    unsubscribe_url = message.payload.get("list_unsubscribe_url")
    if unsubscribe_url:
        # RFC 8058 one-click: the POST to the URL alone must unsubscribe.
        mail["List-Unsubscribe"] = f"<{_header_safe(unsubscribe_url, 'List-Unsubscribe')}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail


def _ascii_envelope(mail: MIMEBase) -> tuple[str, str] | None:
    """(sender, recipient) when both are plain ASCII, sparing send_message's header parsing."""
    sender, recipient = parseaddr(str(mail["From"]))[1], str(mail["To"])
    if sender.isascii() and recipient.isascii() and "," not in recipient:
        return sender, recipient
    return None


def _smtp_bytes(mail: MIMEBase) -> bytes:
    """The message as SMTP sends it (CRLF line ends), as smtplib.send_message would flatten it."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=mail.policy.clone(linesep="\r\n")).flatten(mail, linesep="\r\n")
    return buffer.getvalue()


@lru_cache(maxsize=16)
def _sender(from_email: str) -> tuple[str, str]:
    """The From header and the Message-ID domain for a configured sender (parsed once)."""
    name, address = parseaddr(_header_safe(from_email, "From"))
    return formataddr((name, address), charset="utf-8"), sender_domain(from_email)


def sender_domain(from_email: str) -> str:
    """Domain of the From address, used for Message-ID so it aligns with the sender."""
    address = parseaddr(from_email)[1]
    return address.rpartition("@")[2] or "localhost"


class EmailChannel:
    """SMTP adapter. Keeps one connection open across sends; safe to share between threads."""

    name = "email"

    def __init__(
        self,
        host: str = "localhost",
        port: int = 25,
        *,
        username: str = "",
        password: str = "",
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: float = 20.0,
        max_per_connection: int = 500,
        from_email: str = "Avisos <avisos@localhost>",
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.use_tls = use_tls
        self.use_ssl = use_ssl
        self.timeout = timeout
        self.max_per_connection = max(1, max_per_connection)
        self.from_email = from_email
        self._conn: smtplib.SMTP | None = None
        self._sent_on_conn = 0
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EmailChannel:
        """Build from the EMAIL_* / DEFAULT_FROM_EMAIL settings."""
        return cls(
            host=setting(config, "EMAIL_HOST"),
            port=int(setting(config, "EMAIL_PORT")),
            username=setting(config, "EMAIL_HOST_USER"),
            password=setting(config, "EMAIL_HOST_PASSWORD"),
            use_tls=bool(setting(config, "EMAIL_USE_TLS")),
            use_ssl=bool(setting(config, "EMAIL_USE_SSL")),
            timeout=float(setting(config, "EMAIL_TIMEOUT")),
            max_per_connection=int(setting(config, "EMAIL_MAX_PER_CONNECTION")),
            from_email=setting(config, "DEFAULT_FROM_EMAIL"),
        )

    def send(self, message: Message) -> SendResult:
        """Send one message; every failure comes back classified, nothing is raised."""
        if not message.recipient or "@" not in message.recipient:
            return SendResult.permanent("invalid_recipient", "no usable email address")
        try:
            mail = build_email(message, self.from_email)
        except (ValueError, TypeError) as exc:
            # Header values with line breaks and the like: retrying cannot fix them.
            return SendResult.permanent("invalid_message", f"cannot build the email: {exc}")
        with self._lock:
            try:
                self._deliver(mail)
            except Exception as exc:  # noqa: BLE001 - classified, never swallowed
                self._after_failure(exc)
                return classify_smtp_error(exc)
        message_id = mail["Message-ID"]
        return SendResult.success(provider_message_id=message_id, summary=f"250 accepted {message_id}")

    def check(self) -> CheckResult:
        """Connect, greet, STARTTLS/login as configured, NOOP, and close."""
        try:
            conn = self._open()
            try:
                code, _ = conn.noop()
            finally:
                _quit_quietly(conn)
        except Exception as exc:  # noqa: BLE001 - reported to the operator
            result = classify_smtp_error(exc)
            return CheckResult(False, f"SMTP {self.host}:{self.port}: {result.error_message}")
        if code != 250:
            return CheckResult(False, f"SMTP {self.host}:{self.port}: NOOP answered {code}")
        return CheckResult(True, f"SMTP {self.host}:{self.port} OK ({self._security_label()})")

    def close(self) -> None:
        """Quit the kept connection, if any."""
        with self._lock:
            self._discard(polite=True)

    def _deliver(self, mail: MIMEBase) -> None:
        """Send on the kept connection, reconnecting once if the server dropped it."""
        envelope = _ascii_envelope(mail)
        data = _smtp_bytes(mail) if envelope else None
        for attempt in (1, 2):
            conn = self._connection()
            try:
                if envelope:
                    conn.sendmail(envelope[0], [envelope[1]], data)
                else:  # non-ASCII addresses: send_message negotiates SMTPUTF8
                    conn.send_message(mail)
            except _RECONNECTABLE:
                self._discard(polite=False)
                if attempt == 2:
                    raise
                continue
            self._sent_on_conn += 1
            if self._sent_on_conn >= self.max_per_connection:
                self._discard(polite=True)
            return

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = self._open()
            self._sent_on_conn = 0
        return self._conn

    def _open(self) -> smtplib.SMTP:
        """A new, greeted (and, as configured, encrypted and authenticated) connection."""
        context = ssl.create_default_context() if (self.use_ssl or self.use_tls) else None
        if self.use_ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.use_tls and not self.use_ssl:
                conn.starttls(context=context)
                conn.ehlo()
            if self.username:
                conn.login(self.username, self._password)
        except BaseException:
            conn.close()
            raise
        return conn

    def _after_failure(self, exc: BaseException) -> None:
        # A refused recipient or message leaves the session usable (smtplib sends RSET);
        # anything else (timeouts, 421, protocol errors) may leave it half-way: start over.
        if isinstance(exc, smtplib.SMTPResponseException) and _keeps_session(exc):
            return
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            return
        self._discard(polite=False)

    def _discard(self, polite: bool) -> None:
        conn, self._conn = self._conn, None
        self._sent_on_conn = 0
        if conn is None:
            return
        if polite:
            _quit_quietly(conn)
        else:
            conn.close()

    def _security_label(self) -> str:
        mode = "SSL" if self.use_ssl else "STARTTLS" if self.use_tls else "plain"
        return f"{mode}, authenticated" if self.username else mode


def _keeps_session(exc: smtplib.SMTPResponseException) -> bool:
    refusal = isinstance(exc, (smtplib.SMTPDataError, smtplib.SMTPSenderRefused))
    return refusal and exc.smtp_code != 421


def _quit_quietly(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


def classify_smtp_error(exc: BaseException) -> SendResult:
    """Map an smtplib/socket exception to transient or permanent."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SendResult.permanent(
            "smtp_auth_failed", f"SMTP login rejected ({exc.smtp_code})", config_problem=True
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = _first_refusal(exc)
        return _by_reply_code(code, text)
    if isinstance(exc, smtplib.SMTPConnectError):
        return SendResult.transient("smtp_connect_error", f"SMTP greeting refused ({exc.smtp_code})")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendResult.transient("smtp_disconnected", f"SMTP server disconnected: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_reply_code(exc.smtp_code, _decode(exc.smtp_error))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendResult.permanent("smtp_not_supported", str(exc), config_problem=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SendResult.permanent("smtp_tls_error", "SMTP certificate not trusted", config_problem=True)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return SendResult.transient("smtp_timeout", "SMTP server did not answer in time")
    if isinstance(exc, OSError):
        return SendResult.transient("smtp_connection_error", f"{type(exc).__name__}: {exc}")
    return SendResult.transient("smtp_error", f"{type(exc).__name__}: {exc}")


def _first_refusal(exc: smtplib.SMTPRecipientsRefused) -> tuple[int, str]:
    for code, text in exc.recipients.values():
        return code, _decode(text)
    return 550, "all recipients refused"


def _by_reply_code(code: int, text: str) -> SendResult:
    summary = f"{code} {text}"[:300]
    if 400 <= code < 500:
        return SendResult.transient(f"smtp_{code}", text, response_summary=summary)
    if 500 <= code < 600:
        return SendResult.permanent(f"smtp_{code}", text, response_summary=summary)
    return SendResult.transient(f"smtp_{code}", text or "unexpected SMTP reply", response_summary=summary)


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
