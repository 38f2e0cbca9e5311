"""What the app process accepts from a render process: JSON and PDF bytes only."""

from __future__ import annotations

import os
import time
from multiprocessing import Pipe

from auditapp.reports import render


class _RunsCodeWhenUnpickled:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_pickle_from_a_render_process_is_never_unpickled(tmp_path):
    # A render process parses user content; if it were subverted, a pickle sent
    # back could run code in the app process.
    marker = tmp_path / "ran"
    ours, theirs = Pipe()
    theirs.send(_RunsCodeWhenUnpickled(marker))

    message = render._next_message(ours, time.monotonic() + 5)

    assert message == {"error": "failed", "detail": "unreadable answer"}
    assert not marker.exists()


def test_a_render_process_that_went_away_reads_as_ended():
    ours, theirs = Pipe()
    theirs.close()

    assert render._next_message(ours, time.monotonic() + 5) == {"error": "ended"}


def test_a_silent_render_process_reads_as_out_of_time():
    ours, _theirs = Pipe()

    message = render._next_message(ours, time.monotonic() + 0.05)

    assert message["error"] == "time"
