"""What the conformance suite needs to drive a real camera: the raw-REPL transport over a
serial port, the device-side agent, and the virtual camera that speaks the same protocol."""
