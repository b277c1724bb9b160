# A camera script that reports to a web service with the HTTP client beside it.
import sys
import minireq

base = "http://%s:%s" % (sys.argv[1], sys.argv[2])
r = minireq.get(base + "/status", timeout=10)
print("GET", r.status_code, r.text.strip())
r = minireq.post(base + "/readings", json={"temp": 21.5, "seq": 7}, auth=("camera", "s3cret"), timeout=10)
print("POST", r.status_code, r.json()["stored"])
r.close()
