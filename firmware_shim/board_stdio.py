"""The virtual camera's sys.stdin and sys.stdout, as MicroPython's are over a USB serial port
(shared/runtime/sys_stdio_mphal.c): text that is "cooked" on the way out (every \\n sent as
\\r\\n), and a `.buffer` for bytes as they are, whose read and write take a length, as
mpremote's mount protocol calls them (`sys.stdout.buffer.write(buf, 2)`,
`sys.stdin.buffer.readinto(buf, n)`). Nothing is read ahead: what a program does not read stays
in the pipe, where the board's REPL takes it back when the program ends.
"""

import codecs
import io
import os


def _bytes_of(data, length=None):
    view = memoryview(data).cast("B")
    return view if length is None else view[:length]


class RawConsole:
    """sys.stdout.buffer: bytes to the console unchanged."""

    def __init__(self, fd):
        self.fd = fd

    def write(self, data, length=None):
        view = _bytes_of(data, length)
        total = len(view)
        while view:
            view = view[os.write(self.fd, view) :]
        return total

    write_raw = write

    def flush(self):
        pass

    def fileno(self):
        return self.fd


class CookedConsole(io.RawIOBase):
    """The text side's bytes: every \\n goes out as \\r\\n (mp_hal_stdout_tx_strn_cooked)."""

    def __init__(self, raw):
        super().__init__()
        self.raw = raw

    def writable(self):
        return True

    def write(self, data):
        self.raw.write(bytes(data).replace(b"\n", b"\r\n"))
        return len(data)


class ConsoleText(io.TextIOWrapper):
    """sys.stdout (and sys.stderr, the same console): cooked UTF-8 text, written at once; its
    .buffer is the raw console."""

    def __init__(self, fd):
        self._raw_console = RawConsole(fd)
        super().__init__(
            CookedConsole(self._raw_console), encoding="utf-8", errors="backslashreplace", write_through=True
        )

    @property
    def buffer(self):
        return self._raw_console

    def fileno(self):
        return self._raw_console.fd


class RawStdin:
    """sys.stdin.buffer: read(n) and readinto(buf, n) wait for all n bytes, as the board's do."""

    def __init__(self, fd):
        self.fd = fd

    def read(self, size=-1):
        if size is None or size < 0:
            chunks = []
            while True:
                chunk = os.read(self.fd, 4096)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        data = bytearray()
        while len(data) < size:
            chunk = os.read(self.fd, size - len(data))
            if not chunk:
                break
            data += chunk
        return bytes(data)

    def readinto(self, buf, length=None):
        view = _bytes_of(buf, length)
        done = 0
        while done < len(view):
            chunk = os.read(self.fd, len(view) - done)
            if not chunk:
                break
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
        return done

    def fileno(self):
        return self.fd


class StdinText(io.TextIOBase):
    """sys.stdin: UTF-8 text read a byte at a time (nothing read ahead); readline() ends at
    \\n, and hands over \\r as it came."""

    def __init__(self, fd):
        super().__init__()
        self._raw_stdin = RawStdin(fd)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    @property
    def buffer(self):
        return self._raw_stdin

    def readable(self):
        return True

    def fileno(self):
        return self._raw_stdin.fd

    def _next_char(self):
        while True:
            byte = os.read(self._raw_stdin.fd, 1)
            if not byte:
                return self._decoder.decode(b"", final=True)
            text = self._decoder.decode(byte)
            if text:
                return text

    def read(self, size=-1):
        text = []
        count = 0
        while size is None or size < 0 or count < size:
            char = self._next_char()
            if not char:
                break
            text.append(char)
            count += len(char)
        return "".join(text)

    def readline(self, size=-1):
        text = []
        while size is None or size < 0 or len(text) < size:
            char = self._next_char()
            if not char:
                break
            text.append(char)
            if char == "\n":
                break
        return "".join(text)
