"""The test tree itself: pytest (``prepend`` import mode, no packages under tests/) imports
each test file as a top-level module named by its basename, so two test files of one name
anywhere under tests/ stop ``make test``'s single run at collection, though each suite passes
alone."""

from collections import Counter

from support import ROOT


def test_no_two_test_files_share_a_name():
    names = Counter(path.name for path in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
