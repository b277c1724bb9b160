"""asyncio: start_server accepts a connection and runs the handler as a task with one stream for
reading and writing, whose peername is the client's address; close() and wait_closed() end the
server (reference §15; design: the firmware's asyncio, MicroPython's extmod/asyncio stream.py)."""

NEEDS = ("dut_ip", "asyncio")


def dut(ctl):
    import asyncio

    async def handle(reader, writer):
        print("same stream", reader is writer)
        print("peer port is int", isinstance(writer.get_extra_info("peername")[1], int))
        line = await reader.readline()
        await writer.awrite(b"echo " + line)
        await writer.aclose()
        done.set()

    async def main():
        server = await asyncio.start_server(handle, "0.0.0.0", ctl.own_port)
        ctl.send("listening")
        await done.wait()
        server.close()
        await server.wait_closed()
        print("closed")

    done = asyncio.Event()
    asyncio.run(main())


def host(peer):
    peer.wait("listening")
    client = peer.connect()
    client.sendall(b"hello\n")
    answer = b""
    while not answer.endswith(b"\n"):
        piece = client.recv(100)
        if not piece:
            break
        answer += piece
    assert answer == b"echo hello\n", answer


EXPECTED = """
same stream True
peer port is int True
closed
"""
