"""The conformance cases, one behaviour per file (the format is described in ../case.py).
Files are named group_behaviour; the group (tcp, udp, poll, ...) is the JUnit class."""
