# A JSON status fetched over https:// with a requests-style library, as camera scripts talk to
# a cloud API; what the camera does when the server ends without TLS's close_notify shows.
#
# Arguments: URL
import sys

import requests

try:
    r = requests.get(sys.argv[1], timeout=10)
    print("status", r.status_code, r.reason.decode())
    print("type", r.headers.get("Content-Type"))
    print("json", r.json())
    r.close()
except OSError as e:
    print("request failed:", e.args)
