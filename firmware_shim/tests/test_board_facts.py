"""The device-side agent, sent over the transport to the virtual camera, and its facts as
the host parses them."""

import pytest
from mpsock.firmware_shim.board_facts import agent_source, parse_facts, probe_board
from mpsock.firmware_shim.transport import SerialTransport, TransportError
from mpsock.firmware_shim.virtual_camera import VirtualCamera

pytestmark = pytest.mark.timeout(60)


def test_facts_of_the_default_camera_profile(transport, monkeypatch):
    monkeypatch.delenv("MPSOCK_WLAN_SSID", raising=False)
    facts = probe_board(transport)
    assert facts["board"]["emulator"]["profile"] == "openmv-rt1062"
    assert facts["board"]["platform"] and facts["board"]["uname"]["sysname"]
    assert facts["wlan"] is None
    assert "network" in facts
    capabilities = facts["capabilities"]
    assert capabilities["ipv6"] is False
    assert capabilities["select_select"] is True and capabilities["threads"] is True
    assert "getsockname" not in capabilities["socket_methods"]
    assert "recv" in capabilities["socket_methods"]


def test_facts_of_the_desktop_profile():
    with VirtualCamera("desktop") as camera, SerialTransport(camera.path) as link:
        link.enter_raw_repl()
        capabilities = probe_board(link)["capabilities"]
    assert capabilities["ipv6"] is True
    assert "getsockname" in capabilities["socket_methods"]


def test_wlan_credentials_come_from_the_environment_and_the_key_stays_secret(transport, monkeypatch):
    monkeypatch.setenv("MPSOCK_WLAN_SSID", "camera-lab")
    monkeypatch.setenv("MPSOCK_WLAN_KEY", "not-for-printing")
    facts = probe_board(transport)
    wlan = facts["wlan"]
    assert wlan["ssid"] == "camera-lab"
    if facts["network"] is None:  # an emulator without the network module: nothing to join
        assert wlan["connected"] is False and wlan["error"]
    else:  # the emulated WLAN joins any network
        assert wlan["connected"] is True and len(wlan["ifconfig"]) == 4
        assert facts["network"]["interfaces"]["WLAN"]["isconnected"] is True
    assert "not-for-printing" not in repr(facts)


def test_agent_source_carries_the_request_in_its_first_line():
    first = agent_source("ssid", "key", 5).splitlines()[0]
    assert first == "_MPSOCK_WLAN = ('ssid', 'key', 5)"
    assert agent_source().splitlines()[0] == "_MPSOCK_WLAN = None"


def test_facts_from_a_board_without_json_are_a_literal():
    assert parse_facts(b"noise\nMPSOCK-FACTS {'board': {'implementation': 'micropython'}}\n") == {
        "board": {"implementation": "micropython"}
    }


def test_output_without_facts_is_a_transport_error():
    with pytest.raises(TransportError, match="MPSOCK-FACTS"):
        parse_facts(b"Traceback (most recent call last):\n")
