# A small FTP server module written the way uftpd.py (the FTP server people copy to their boards)
# is written: module constants with const() and no import of it, replies formatted into bytes
# from str, passive data connections, os.stat/os.listdir on the board's files. Runs unchanged on
# a camera.
import socket
import os
import errno

_CHUNK_SIZE = const(1024)
_DATA_TIMEOUT = const(10)
_S_IFDIR = const(0x4000)


class FTPSession:
    def __init__(self, conn, data_port, root):
        self.conn = conn
        self.data_port = data_port
        self.root = root
        self.cwd = "/"
        self.data_listener = None

    def reply(self, code, text):
        self.conn.write(b"%d %s\r\n" % (code, text))

    def path(self, name):
        if not name:
            return self.root + self.cwd
        if name.startswith("/"):
            return self.root + name
        return self.root + self.cwd.rstrip("/") + "/" + name

    def open_data(self):
        conn, _ = self.data_listener.accept()
        conn.settimeout(_DATA_TIMEOUT)
        return conn

    def serve(self):
        self.reply(220, "miniftpd ready")
        while True:
            line = self.conn.readline()
            if not line:
                break
            command, _, arg = line.decode().strip().partition(" ")
            command = command.upper()
            if command == "USER":
                self.reply(331, "password please")
            elif command == "PASS":
                self.reply(230, "logged in")
            elif command == "SYST":
                self.reply(215, "UNIX Type: L8")
            elif command in ("TYPE", "NOOP", "MODE", "STRU"):
                self.reply(200, "ok")
            elif command == "PWD":
                self.reply(257, '"%s"' % self.cwd)
            elif command == "CWD":
                self.cwd = arg if arg.startswith("/") else self.cwd.rstrip("/") + "/" + arg
                self.reply(250, "ok")
            elif command == "PASV":
                self.data_listener = socket.socket()
                self.data_listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.data_listener.bind(("0.0.0.0", self.data_port))
                self.data_listener.listen(1)
                self.reply(227, "Entering Passive Mode (127,0,0,1,%d,%d)" % (self.data_port >> 8, self.data_port & 0xFF))
            elif command == "SIZE":
                try:
                    self.reply(213, str(os.stat(self.path(arg))[6]))
                except OSError:
                    self.reply(550, "no such file")
            elif command in ("LIST", "NLST"):
                self.reply(150, "listing")
                data = self.open_data()
                for name in sorted(os.listdir(self.path(""))):
                    st = os.stat(self.path(name))
                    if command == "NLST":
                        data.write(b"%s\r\n" % name)
                    else:
                        kind = "d" if st[0] & _S_IFDIR else "-"
                        data.write(b"%srw-r--r-- 1 cam cam %d Jan 1 00:00 %s\r\n" % (kind, st[6], name))
                data.close()
                self.data_listener.close()
                self.reply(226, "done")
            elif command == "RETR":
                try:
                    f = open(self.path(arg), "rb")
                except OSError as e:
                    self.reply(550, "cannot open (%d)" % e.args[0])
                    continue
                self.reply(150, "sending")
                data = self.open_data()
                buf = bytearray(_CHUNK_SIZE)
                while True:
                    n = f.readinto(buf)
                    if not n:
                        break
                    data.write(memoryview(buf)[:n])
                f.close()
                data.close()
                self.data_listener.close()
                self.reply(226, "done")
            elif command == "STOR":
                self.reply(150, "receiving")
                data = self.open_data()
                with open(self.path(arg), "wb") as f:
                    while True:
                        chunk = data.recv(_CHUNK_SIZE)
                        if not chunk:
                            break
                        f.write(chunk)
                data.close()
                self.data_listener.close()
                self.reply(226, "stored")
            elif command == "QUIT":
                self.reply(221, "bye")
                break
            else:
                self.reply(502, "not implemented: %s" % command)
        self.conn.close()


def serve(port, data_port, root, sessions=1):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(1)
    print("ftp listening on", port)
    for _ in range(sessions):
        conn, _ = listener.accept()
        try:
            FTPSession(conn, data_port, root).serve()
        except OSError as e:
            if e.args[0] != errno.ECONNRESET:
                raise
    listener.close()
