"""asyncio: a peer's reset during a stream read raises the socket's OSError (ECONNRESET) in the
reading task, and the next read gives b'' (reference §15 and §5: error state machine, through
the firmware's asyncio stream.py)."""

NEEDS = ("asyncio",)


def dut(ctl):
    import asyncio

    async def main():
        reader, writer = await asyncio.open_connection(ctl.host_ip, ctl.peer_port)
        print("read", await reader.readexactly(4))
        ctl.send("reading")
        try:
            print("read", await reader.read(16))
        except OSError as e:
            print("read", e.args[0])
        print("read", await reader.read(16))
        await writer.aclose()

    asyncio.run(main())


def host(peer):
    import socket as native
    import struct

    conn = peer.accept()
    conn.sendall(b"data")
    peer.wait("reading")
    conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # with linger 0: RST


EXPECTED = """
read b'data'
read 104
read b''
"""
