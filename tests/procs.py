"""Waiting on child processes and threads with a deadline, so a test that waits fails with a clear message
instead of hanging the suite.

A pipe's readline() blocks until the child writes a line or closes the pipe: a child that hangs silently hangs
the test with it. Lines(stream) reads the stream on a daemon thread into a queue; the test takes lines from the
queue with a timeout and fails (pytest.fail) when none comes.
"""
from __future__ import annotations

import queue
import subprocess
import threading
import time

import pytest

_EOF = object()


class Lines:
    """The lines of a child's text stream (its stdout or stderr opened with text=True), read on a thread."""

    def __init__(self, stream, what: str = "child process"):
        self.what = what
        self.seen: list[str] = []  # every line taken so far, for failure messages
        self._queue: queue.Queue = queue.Queue()
        self._ended = False
        threading.Thread(target=self._pump, args=(stream,), daemon=True, name=f"lines:{what}").start()

    def _pump(self, stream):
        try:
            for line in iter(stream.readline, ""):
                self._queue.put(line)
        except (OSError, ValueError):  # the test closed the stream while the child still wrote
            pass
        self._queue.put(_EOF)

    def _take(self, deadline: float) -> str | None:
        """The next line, "" once the stream has ended, None when the deadline passes first."""
        if self._ended:
            return ""
        try:
            line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if line is _EOF:
            self._ended = True
            return ""
        self.seen.append(line)
        return line

    def _fail(self, expected: str, timeout: float, ended: bool) -> None:
        why = "its output ended" if ended else f"nothing more within {timeout:g} s"
        pytest.fail(f"{self.what}: expected {expected}, but {why}. Its output so far:\n{''.join(self.seen)}",
                    pytrace=False)

    def line(self, timeout: float) -> str:
        """The next line; fails the test if none comes within `timeout` seconds or the stream ends."""
        got = self._take(time.monotonic() + timeout)
        if not got:
            self._fail("a line", timeout, got == "")
        return got

    def until(self, needle: str, timeout: float) -> str:
        """Lines up to the first that holds `needle`, which is returned; fails the test at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            got = self._take(deadline)
            if not got:
                self._fail(f"a line with {needle!r}", timeout, got == "")
            if needle in got:
                return got

    def rest(self, timeout: float = 5) -> str:
        """Whatever else the child writes until its stream ends or `timeout` passes (for failure messages)."""
        deadline = time.monotonic() + timeout
        out = []
        while (got := self._take(deadline)):
            out.append(got)
        return "".join(out)


def read_line(proc: subprocess.Popen, timeout: float, what: str = "child process") -> str:
    """One line of proc's stdout within `timeout` seconds, or the test fails (the child is killed)."""
    lines = getattr(proc, "_test_lines", None)
    if lines is None:
        lines = proc._test_lines = Lines(proc.stdout, what)
    try:
        return lines.line(timeout)
    except BaseException:
        proc.kill()
        raise


def wait(proc: subprocess.Popen, timeout: float, what: str = "child process") -> int:
    """proc's exit code; if it has not ended within `timeout` seconds it is killed and the test fails."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
        pytest.fail(f"{what} did not end within {timeout:g} s (killed)", pytrace=False)


def join_all(threads, timeout: float, what: str = "threads") -> None:
    """Join every thread within one overall deadline; fails the test naming the threads still running."""
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        pytest.fail(f"{what}: {len(stuck)} still running after {timeout:g} s: {', '.join(stuck)}", pytrace=False)
