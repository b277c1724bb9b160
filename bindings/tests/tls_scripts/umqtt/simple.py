# A small MQTT 3.1.1 client with the interface of micropython-lib's umqtt.simple (MQTTClient,
# connect, publish, subscribe, set_callback, wait_msg, check_msg, ping, disconnect), written for
# these tests. With ssl=True it wraps the socket with ssl.wrap_socket(**ssl_params), as the
# library's older releases did; with an SSLContext, with context.wrap_socket(server_hostname).
import socket
import struct


class MQTTException(Exception):
    pass


class MQTTClient:
    def __init__(
        self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None, ssl_params={}
    ):
        if port == 0:
            port = 8883 if ssl else 1883
        self.client_id = client_id
        self.server = server
        self.port = port
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.ssl = ssl
        self.ssl_params = ssl_params
        self.sock = None
        self.pid = 0
        self.cb = None

    def _write_str(self, text):
        self.sock.write(struct.pack("!H", len(text)))
        self.sock.write(text)

    def _read_length(self):
        # The remaining length: seven bits a byte, the top bit says another byte follows.
        n = 0
        shift = 0
        while True:
            b = self.sock.read(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def _header(self, kind, length):
        out = bytearray([kind])
        while True:
            byte = length & 0x7F
            length >>= 7
            out.append(byte | 0x80 if length else byte)
            if not length:
                return out

    def set_callback(self, f):
        self.cb = f

    def connect(self, clean_session=True, timeout=None):
        self.sock = socket.socket()
        self.sock.settimeout(timeout)
        addr = socket.getaddrinfo(self.server, self.port)[0][-1]
        self.sock.connect(addr)
        if self.ssl is True:
            import ssl

            self.sock = ssl.wrap_socket(self.sock, **self.ssl_params)
        elif self.ssl:
            self.sock = self.ssl.wrap_socket(self.sock, server_hostname=self.server)
        flags = 0x02 if clean_session else 0
        body_len = 10 + 2 + len(self.client_id)
        if self.user:
            flags |= 0xC0
            body_len += 2 + len(self.user) + 2 + len(self.pswd)
        self.sock.write(self._header(0x10, body_len))
        self.sock.write(b"\x00\x04MQTT\x04" + bytes([flags]) + struct.pack("!H", self.keepalive))
        self._write_str(self.client_id)
        if self.user:
            self._write_str(self.user)
            self._write_str(self.pswd)
        resp = self.sock.read(4)
        if resp[0] != 0x20 or resp[1] != 0x02:
            raise MQTTException("bad CONNACK %r" % resp)
        if resp[3] != 0:
            raise MQTTException(resp[3])
        return resp[2] & 1

    def disconnect(self):
        self.sock.write(b"\xe0\x00")
        self.sock.close()

    def ping(self):
        self.sock.write(b"\xc0\x00")

    def publish(self, topic, msg, retain=False, qos=0):
        body_len = 2 + len(topic) + len(msg) + (2 if qos else 0)
        self.sock.write(self._header(0x30 | qos << 1 | retain, body_len))
        self._write_str(topic)
        if qos:
            self.pid += 1
            self.sock.write(struct.pack("!H", self.pid))
        self.sock.write(msg)

    def subscribe(self, topic, qos=0):
        self.pid += 1
        self.sock.write(self._header(0x82, 2 + 2 + len(topic) + 1))
        self.sock.write(struct.pack("!H", self.pid))
        self._write_str(topic)
        self.sock.write(bytes([qos]))
        while True:
            op = self.wait_msg()
            if op == 0x90:
                resp = self.sock.read(4)
                if resp[1:3] != struct.pack("!H", self.pid) or resp[3] == 0x80:
                    raise MQTTException("SUBACK %r" % resp)
                return

    def wait_msg(self):
        # One incoming packet; a PUBLISH goes to the callback. None when a non-blocking socket
        # has nothing yet.
        res = self.sock.read(1)
        self.sock.setblocking(True)
        if res is None:
            return None
        if res == b"":
            raise OSError(-1)
        if res == b"\xd0":  # PINGRESP
            self.sock.read(1)
            return None
        op = res[0]
        if op & 0xF0 != 0x30:
            return op
        length = self._read_length()
        topic_len = struct.unpack("!H", self.sock.read(2))[0]
        topic = self.sock.read(topic_len)
        length -= topic_len + 2
        if op & 6:
            self.sock.read(2)
            length -= 2
        msg = self.sock.read(length)
        if self.cb:
            self.cb(topic, msg)
        return op

    def check_msg(self):
        self.sock.setblocking(False)
        return self.wait_msg()
