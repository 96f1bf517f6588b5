"""Delivery configuration: transport, sender, recipient list, SMTP settings (from Settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formataddr, getaddresses, parseaddr
from pathlib import Path

from filings_pipeline.settings import Settings

TRANSPORTS = ("none", "smtp", "ses")
PLACEHOLDER_RECIPIENT = "readers@filings-desk.invalid"


class DeliveryConfigError(ValueError):
    """The delivery configuration cannot work (nothing was sent because of it)."""


def _address(raw: str, what: str) -> str:
    name, addr = parseaddr(raw)
    local, _, domain = addr.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in addr):
        raise DeliveryConfigError(f"{what}: {raw!r} is not an email address")
    return formataddr((name, addr)) if name else addr


def parse_recipients(spec: str) -> tuple[str, ...]:
    """`a@x.org, b@y.org` or `@/path/list.txt` (one address a line; blank lines and `#`
    comments ignored). Addresses are lower-cased and de-duplicated, order kept."""
    spec = spec.strip()
    if not spec:
        return ()
    if spec.startswith("@"):
        path = Path(spec[1:]).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise DeliveryConfigError(f"FILINGS_EMAIL_TO: cannot read {path}: {exc}") from exc
        entries = [ln.split("#", 1)[0].strip() for ln in lines]
        where = str(path)
    else:
        entries = [addr for _, addr in getaddresses([spec])]
        where = "FILINGS_EMAIL_TO"
    out: dict[str, None] = {}
    for n, entry in enumerate(entries, 1):
        if not entry:
            continue
        addr = parseaddr(_address(entry, f"{where}, entry {n}"))[1].lower()
        out[addr] = None
    return tuple(out)


_SMTP_FIELDS = (
    "smtp_host",
    "smtp_port",
    "smtp_username",
    "smtp_password",
    "smtp_starttls",
    "smtp_ssl",
)


@dataclass(frozen=True)
class DeliveryConfig:
    """How and to whom the digest goes."""

    transport: str = "none"  # none (outbox folder) | smtp | ses
    sender: str = "Filings Desk <desk@filings-desk.invalid>"
    recipients: tuple[str, ...] = ()
    resend_changed: bool = False
    unsubscribe_url: str = ""  # empty: {site base URL}/unsubscribe
    outbox_dir: Path = Path(".filings/outbox")
    smtp_host: str = "localhost"
    smtp_port: int = 0  # 0: 465 with SSL, else 587 with STARTTLS, else 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_timeout_s: float = 30.0
    ses_region: str = ""
    ses_endpoint_url: str = ""
    attempts: int = 3  # tries per recipient for a transient failure, within one run
    backoff_s: tuple[float, ...] = (1.0, 4.0)

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise DeliveryConfigError(
                f"FILINGS_EMAIL_TRANSPORT must be one of {', '.join(TRANSPORTS)}, "
                f"not {self.transport!r}"
            )
        _address(self.sender, "FILINGS_EMAIL_FROM")
        if self.smtp_ssl and self.smtp_starttls and self.transport == "smtp":
            object.__setattr__(self, "smtp_starttls", False)  # SSL from the start wins

    @classmethod
    def from_settings(cls, s: Settings) -> DeliveryConfig:
        """The configuration the environment gives (`Settings` names the SMTP fields alike)."""
        transport = s.email_transport.strip().lower()
        return cls(
            transport=transport,
            sender=s.email_from,
            recipients=parse_recipients(s.email_to),
            resend_changed=s.email_resend_changed,
            unsubscribe_url=s.email_unsubscribe_url,
            outbox_dir=s.outbox_dir,
            ses_region=s.aws_region,
            ses_endpoint_url=s.ses_endpoint_url,
            **{name: getattr(s, name) for name in _SMTP_FIELDS},
        )

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def sender_domain(self) -> str:
        return self.sender_address.rsplit("@", 1)[-1].lower()

    @property
    def port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return 465 if self.smtp_ssl else 587 if self.smtp_starttls else 25

    def list_for_sending(self) -> tuple[str, ...]:
        """The recipients; the outbox alone falls back to one placeholder reader."""
        if self.recipients:
            return self.recipients
        if self.transport == "none":
            return (PLACEHOLDER_RECIPIENT,)
        raise DeliveryConfigError(
            f"FILINGS_EMAIL_TRANSPORT={self.transport} but FILINGS_EMAIL_TO lists nobody"
        )
