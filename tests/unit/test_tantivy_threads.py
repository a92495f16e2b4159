"""The thread a search aggregates its facets on: also there in a process forked after one."""

import os
import signal
import time

import pytest

from services.indexing.tantivy_index import _on_another_thread

pytestmark = pytest.mark.unit


def test_a_forked_child_aggregates_on_a_thread_of_its_own():
    assert _on_another_thread(sum, [1, 2])() == 3  # the parent's thread exists now
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread was not copied; a wait for it would hang
        os._exit(0 if _on_another_thread(sum, [3, 4])() == 7 else 1)
    deadline = time.monotonic() + 10
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert done[0] == pid and os.waitstatus_to_exitcode(done[1]) == 0
