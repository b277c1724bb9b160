"""Targets behind the firmware shim's raw-REPL transport: `serial:PORT` (a camera on USB
serial, or any pyserial URL such as socket://HOST:PORT), and `virtual` (the virtual camera's
pty, backed by the emulator on this machine)."""

from .base import ProgramEnded, ProgramStopped, Target, TargetError

BAUDRATE = 115200


def _shim():
    try:
        from mpsock.firmware_shim import transport
    except ImportError as error:
        raise TargetError("the firmware shim's transport is not available: %s" % error) from error
    return transport


def _text(data):
    return data.decode("utf-8", "replace")


def _text_lines(data):
    lines = _text(data).replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # the text ended with a line ending
    return lines


class SerialTarget(Target):
    """A board reached through SerialTransport; each case starts after a soft reset, so the
    sockets of the case before are gone, as between two runs of a script on the camera."""

    kind = "serial"
    is_local = False

    def __init__(self, port, baudrate=BAUDRATE):
        self.port = port
        self.baudrate = baudrate
        self.transport = None
        self.board = None  # what the firmware shim's agent said about the board
        self._lost = None  # why the running program was lost (the board reset), if it was

    @classmethod
    def from_argument(cls, argument):
        if not argument:
            raise TargetError("serial needs a port: serial:/dev/ttyACM0 (or a pyserial URL)")
        return cls(argument)

    def describe(self):
        return "serial:" + self.port

    def start(self):
        transport = _shim()
        try:
            self.transport = transport.SerialTransport(self.port, baudrate=self.baudrate)
        except transport.TransportError as error:
            raise TargetError("cannot open %s: %s" % (self.port, error)) from error
        self.board = self._ask_agent(transport)

    def _ask_agent(self, transport):
        """Runs the shim's device agent, which names the board and joins the WLAN given in
        MPSOCK_WLAN_SSID / MPSOCK_WLAN_KEY; None where the shim has no agent."""
        try:
            from mpsock.firmware_shim.board_facts import probe_board
        except ImportError:
            return None
        try:
            self.transport.enter_raw_repl(soft_reset=True)
            facts = probe_board(self.transport)
        except transport.TransportError as error:
            self.stop()
            raise TargetError("the board on %s did not answer the agent: %s" % (self.port, error)) from error
        wlan = facts.get("wlan")
        if wlan and not wlan.get("connected"):
            self.stop()
            raise TargetError(
                "the board on %s did not join the WLAN %r: %s" % (self.port, wlan.get("ssid"), wlan)
            )
        return facts

    def environment_facts(self):
        board = (self.board or {}).get("board") or {}
        if not isinstance(board, dict):
            return {}
        return {"firmware": "%s %s" % (board.get("implementation"), board.get("version"))}

    def run(self, program):
        transport = _shim()
        self._lost = None
        try:
            self.transport.enter_raw_repl(soft_reset=True)
            self.transport.start(program)
        except transport.TransportError as error:
            raise TargetError("cannot start the program on %s: %s" % (self.port, error)) from error

    def readline(self, timeout):
        if self._lost:
            raise ProgramEnded()
        transport = _shim()
        try:
            line = self.transport.readline(timeout)
        except transport.TransportError as error:  # BoardReset: the program is gone
            self._lost = str(error)
            raise ProgramEnded() from error
        if line is None:
            return None
        if line == b"":
            raise ProgramEnded()
        return _text(line).rstrip("\r\n")

    def write(self, text):
        if self._lost:
            return
        transport = _shim()
        try:
            self.transport.write(text.encode())
        except transport.TransportError as error:
            self._lost = str(error)

    def finish(self, timeout):
        if self._lost:
            raise ProgramStopped(self._lost)
        transport = _shim()
        try:
            rest, errors = self.transport.finish(timeout)
        except transport.CaseTimeout as error:
            raise ProgramStopped(
                "the DUT program did not end within %.0f s (interrupted with Ctrl-C)" % timeout,
                _text_lines(error.stdout),
                _text(error.stderr),
            ) from error
        except transport.TransportError as error:
            raise ProgramStopped(str(error)) from error
        return _text_lines(rest), _text(errors)

    def stop(self):
        if self.transport is not None:
            self.transport.close()
            self.transport = None


class VirtualTarget(SerialTarget):
    """`virtual[:PROFILE]`: starts the virtual camera (with PROFILE, else MPSOCK_PROFILE,
    else the emulator's default) and runs the serial target on its pty."""

    kind = "virtual"
    is_local = True
    always_loopback = True

    def __init__(self, profile=None):
        super().__init__(None)
        self.profile = profile
        self.firmware = None
        self.camera = None

    @classmethod
    def from_argument(cls, argument):
        return cls(argument or None)

    def describe(self):
        return "virtual" + (":" + self.profile if self.profile else "")

    def follow_firmware(self, release):
        self.firmware = release
        return True

    def start(self):
        try:
            from mpsock.firmware_shim.virtual_camera import VirtualCamera
        except ImportError as error:
            raise TargetError("the virtual camera is not available: %s" % error) from error
        try:
            self.camera = VirtualCamera(self.profile, firmware=self.firmware)
            self.port = self.camera.start()
        except Exception as error:  # an unknown profile, or a board that does not boot
            raise TargetError("the virtual camera did not start: %s" % error) from error
        try:
            super().start()
        except TargetError:
            self.camera.stop()
            raise

    def stop(self):
        super().stop()
        if self.camera is not None:
            self.camera.stop()
            self.camera = None
