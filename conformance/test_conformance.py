"""One pytest test per conformance case (see conftest.py for the options)."""

import pytest
from mpsock.conformance.report import failure_details
from mpsock.conformance.runner import PASS, SKIP


def test_case(conformance_session, conformance_case):
    result = conformance_session.run_case(conformance_case)
    if result.outcome == SKIP:
        pytest.skip(result.reason)
    if result.outcome != PASS:
        pytest.fail("\n".join(failure_details(result)), pytrace=False)
