"""What the conformance suite needs to drive a real camera: the raw-REPL transport over a
serial port, the device-side agent, and the virtual camera that speaks the same protocol.

    transport.py            Transport interface and SerialTransport (pyserial), with its errors
    serial_port.py          opening a port, with errors that say what to do
    repl_protocol.py        the REPL's control bytes and texts, shared by both ends
    board_facts.py          runs device/agent.py on a board and parses what it reports
    virtual_camera.py       the pty that answers as a camera (VirtualCamera)
    board_repl.py           its friendly / raw / raw-paste REPL state machine
    interpreter_process.py  its interpreter process, one per boot (interpreter_main.py inside)
    command.py              `mpsock virtual-camera` and `mpsock probe-board`
"""
