"""Reading roster files (OneRoster 1.1 CSV or the simple Dutch CSV set) into one normalised Roster.

Nothing here touches the database: `read_roster` parses and checks, and
`school.services.roster_import` writes the result.
"""

from .issues import Issue, Issues
from .reader import ReadResult, read_roster
from .roster import Roster

__all__ = ["Issue", "Issues", "ReadResult", "Roster", "read_roster"]
