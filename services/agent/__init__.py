"""The scanning-station agent: watches a scanner's output folder on a clerk's PC and sends each
finished file to the archive once, keeping a local journal so nothing is lost or sent twice.

Public API: `Journal` (the SQLite journal in the folder), `Agent` (one polling pass at a time),
`stable_files` (size-stable detection). `luutru agent watch|status` is the command line.
"""

from services.agent.journal import Entry, Journal
from services.agent.runner import Agent, Outcome
from services.agent.watcher import Watcher

__all__ = ["Agent", "Entry", "Journal", "Outcome", "Watcher"]
