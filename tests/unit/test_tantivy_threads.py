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


def test_every_writer_of_a_hold_is_finished_even_if_one_fails(tmp_path):
    """A move between levels (and a rebuild's second generation) opens several writers in one
    hold: a failed wait for one must not leave the next holding Tantivy's lock past the flock."""
    from services.indexing.tantivy_index import _finish_and_unlock

    finished = []

    def failing() -> None:
        raise RuntimeError("merge failed")

    fd = os.open(tmp_path / "LOCK", os.O_RDWR | os.O_CREAT)
    _finish_and_unlock([failing, lambda: finished.append(True)], fd)
    assert finished == [True]
    with pytest.raises(OSError):
        os.fstat(fd)  # closed: the flock is released
