"""Fuzz campaigns run outside the test suite (the suite runs short versions); see RELIABILITY.md."""
