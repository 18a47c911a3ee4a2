"""Offline re-statement of hassfest's and the HACS action's checks (see checks.py).

Run it on the repository: ``scripts/env python -m validation [ROOT]``; the tests are
tests/validation/test_checks.py.
"""
