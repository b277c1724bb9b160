# An HTTPS GET the way OpenMV's http_client_ssl.py example does it: join the WiFi, resolve,
# connect, set a timeout, wrap the socket with ssl.wrap_socket(server_hostname=...), write the
# request as a str, read(1024) and print the lines. With a CA certificate file (DER or PEM) the
# server's certificate and name are verified.
#
#   mpsock run --host api.example.lan=127.0.0.1 examples/https_get.py api.example.lan 8443 ca.der
#
# Arguments: HOST PORT [CAFILE]
import network
import socket
import ssl
import sys
import time

SSID = ""  # Network SSID
KEY = ""  # Network key

HOST = sys.argv[1]
PORT = int(sys.argv[2])
CAFILE = sys.argv[3] if len(sys.argv) > 3 else None

wlan = network.WLAN(network.STA_IF)
wlan.active(True)
wlan.connect(SSID, KEY)
while not wlan.isconnected():
    print('Trying to connect to "{:s}"...'.format(SSID))
    time.sleep_ms(1000)
print("WiFi Connected ", wlan.ifconfig())

addr = socket.getaddrinfo(HOST, PORT)[0][4]
print(addr)

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(addr)
client.settimeout(3.0)

if CAFILE:
    with open(CAFILE, "rb") as f:
        cadata = f.read()
    client = ssl.wrap_socket(client, server_hostname=HOST, cert_reqs=ssl.CERT_REQUIRED, cadata=cadata)
else:
    client = ssl.wrap_socket(client, server_hostname=HOST)
print("cipher", client.cipher())

request = "GET / HTTP/1.1\r\n"
request += "HOST: %s\r\n"
request += "User-Agent: Mozilla/5.0\r\n"
request += "Connection: keep-alive\r\n\r\n"
client.write(request % (HOST) + "\r\n")

response = client.read(1024)
for line in response.split(b"\r\n"):
    print(line.decode())

client.close()
