"""The conformance cases under pytest, one test per case:

    pytest conformance/ --target emulator [--host-ip IP] [--fact NAME=VALUE] [-k PATTERN]

The target is started and probed once for the session; a case whose needs the target does
not meet is skipped with the reason."""

import pytest
from mpsock.conformance.case import all_cases
from mpsock.conformance.facts import parse_override
from mpsock.conformance.runner import Session
from mpsock.conformance.targets import TargetError, make_target


def pytest_addoption(parser):
    group = parser.getgroup("conformance", "mpsock conformance suite")
    group.addoption(
        "--target",
        default="emulator",
        help="where the DUT parts run: emulator[:PROFILE], exec:CMD, serial:PORT, virtual",
    )
    group.addoption("--host-ip", default=None, help="this machine's address as a board reaches it")
    group.addoption("--board", default=None, help="the board of a target that does not say which it is")
    group.addoption("--firmware", default=None, help="the MicroPython release to expect, e.g. 1.24")
    group.addoption(
        "--fact", dest="conformance_facts", action="append", default=[], metavar="NAME=VALUE",
        help="set or correct a capability fact of the target",
    )  # fmt: skip


def pytest_generate_tests(metafunc):
    if "conformance_case" in metafunc.fixturenames:
        cases = all_cases()
        metafunc.parametrize("conformance_case", cases, ids=[case.name for case in cases])


@pytest.fixture(scope="session")
def conformance_session(request):
    config = request.config
    try:
        facts = dict(parse_override(text) for text in config.getoption("conformance_facts"))
        target = make_target(config.getoption("--target"))
        firmware = config.getoption("--firmware")
        if firmware:
            target.follow_firmware(firmware)
        session = Session(target, config.getoption("--host-ip"), facts, config.getoption("--board"), firmware)
        session.start()
    except (TargetError, ValueError) as error:
        pytest.fail("conformance target unusable: %s" % error, pytrace=False)
    yield session
    session.close()
