"""The outbox rule in Python, to drive the server the way the browser's outbox does.

An item leaves the outbox only on a verified acknowledgement: a 2xx JSON answer that
echoes its client UUID. Network errors, 5xx, HTML, redirects and 503 keep it; a CSRF
400 fetches a fresh token; a retryable 409 (parent not there yet) keeps it.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from tests.live.server import Http


@dataclass
class Item:
    """One queued record: JSON to a path, or a photo (multipart)."""

    path: str
    body: dict
    photo: bytes | None = None

    @property
    def client_uuid(self) -> str:
        """Return the record's UUID."""
        return self.body["client_uuid"]


def multipart(fields: dict, photo: bytes) -> tuple[bytes, str]:
    """Return (body, content type) of a multipart photo upload."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    head = (
        "".join(parts)
        + f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
        'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + photo + tail, f"multipart/form-data; boundary={boundary}"


def verified(status: int, headers: dict, data: bytes, client_uuid: str) -> dict | None:
    """Return the acknowledgement if this answer is one, else None."""
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    if not 200 <= status < 300 or not content_type.startswith("application/json"):
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    return body if body.get("client_uuid") == client_uuid else None


def send_once(http: Http, item: Item):
    """Send an item once; return (status, headers, bytes) or raise OSError."""
    if item.photo is None:
        return http.request("POST", item.path, item.body)
    data, content_type = multipart(item.body, item.photo)
    return http.request("POST", item.path, data, {"Content-Type": content_type})


def deliver(http: Http, item: Item, *, attempts: int = 60) -> dict:
    """Send until acknowledged; raise on a permanent refusal or too many tries."""
    for _ in range(attempts):
        try:
            status, headers, data = send_once(http, item)
        except OSError:
            continue  # no answer: maybe committed, maybe not; the retry tells
        ack = verified(status, headers, data, item.client_uuid)
        if ack is not None:
            return ack
        refusal = _json(data)
        if status == 400 and refusal.get("error") == "csrf":
            http.refresh_token()
        elif status in (409, 422) and not refusal.get("retryable", True):
            raise AssertionError(f"refused for good: {status} {refusal}")
        elif status == 503:
            time.sleep(0.05)
    raise AssertionError(f"no acknowledgement for {item.path} {item.client_uuid}")


def _json(data: bytes) -> dict:
    try:
        body = json.loads(data)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
