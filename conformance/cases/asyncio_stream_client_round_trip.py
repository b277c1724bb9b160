"""asyncio streams on the camera's sockets: open_connection, write and drain, readline, readexactly
and read; drain() always yields, so two writers take turns (reference §15; design: the
firmware's asyncio, MicroPython's extmod/asyncio stream.py)."""

NEEDS = ("asyncio",)


def dut(ctl):
    import asyncio

    async def writer(name, stream, n):
        for i in range(n):
            stream.write(name.encode() + b"%d\n" % i)
            await stream.drain()
            print("wrote", name, i)

    async def main():
        reader, writer_stream = await asyncio.open_connection(ctl.host_ip, ctl.peer_port)
        other = asyncio.create_task(writer("b", writer_stream, 2))
        await writer("a", writer_stream, 2)
        await other
        print("line", await reader.readline())
        print("exactly", await reader.readexactly(5))
        print("rest", await reader.read())
        await writer_stream.aclose()

    asyncio.run(main())


def host(peer):
    conn = peer.accept()
    got = b""
    while got.count(b"\n") < 4:
        got += conn.recv(100)
    assert sorted(got.split()) == [b"a0", b"a1", b"b0", b"b1"], got
    conn.sendall(b"first line\n12345the rest")
    conn.close()


EXPECTED = """
wrote a 0
wrote b 0
wrote a 1
wrote b 1
line b'first line\\n'
exactly b'12345'
rest b'the rest'
"""
