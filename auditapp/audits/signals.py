"""Signals other layers subscribe to, so audits need not import them."""

from blinker import Namespace

_signals = Namespace()

#: Sent after an audit is handed in (flushed, not yet committed): sender=Audit,
#: kwargs actor=User. Receivers work inside the same transaction.
audit_submitted = _signals.signal("audit-submitted")
