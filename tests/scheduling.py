"""How `make test` spreads the service and e2e tests over pytest-xdist's workers.

`--dist loadfile` runs each module on one worker, whose session-scoped stacks (the `stack`,
`private_stack` and `mail_stack` of tests/e2e/conftest.py) start at the first module that asks
for one. A worker running one module of a shared stack would start that stack for it alone:
here the modules sharing one are a single unit of work, so one worker runs them all and the
stack starts once a run, as it does in a serial run.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from xdist.scheduler import LoadFileScheduling

# The session stacks a few modules share (besides `stack`, which nearly every module uses),
# and those modules; tests/conftest.py refuses a module using one and not named here.
SHARED_STACKS = {
    "mail_stack": ("test_delivery_reminder_stack", "test_handling", "test_saved_search_mail_stack"),
    "private_stack": ("test_audit_evidence", "test_encrypted_objects_stack", "test_https"),
}
UNIT_OF = {module: stack for stack, modules in SHARED_STACKS.items() for module in modules}


class StackScheduling(LoadFileScheduling):
    """`--dist loadfile`, with the modules of a shared stack in one unit of work."""

    def _split_scope(self, nodeid: str) -> str:
        path = super()._split_scope(nodeid)
        return UNIT_OF.get(PurePosixPath(path).stem, path)


def check_shared_stacks(items: list[pytest.Item]) -> None:
    """A module using a shared stack must be in `SHARED_STACKS`, or its worker would start
    the stack for it alone."""
    for item in items:
        for stack in SHARED_STACKS.keys() & set(getattr(item, "fixturenames", ())):
            if UNIT_OF.get(item.path.stem) != stack:
                raise pytest.UsageError(
                    f"{item.nodeid} uses {stack}: add its module to SHARED_STACKS"
                    " (tests/scheduling.py)"
                )
