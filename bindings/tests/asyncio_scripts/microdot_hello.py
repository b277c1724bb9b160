# microdot's hello world as a camera script: microdot's files are copied beside it, as on the
# board. /shutdown ends the server.   microdot_hello.py PORT
import sys

from microdot import Microdot

app = Microdot()

html = """<!DOCTYPE html>
<html>
    <head><title>Microdot Example Page</title></head>
    <body><h1>Hello from Microdot!</h1></body>
</html>
"""


@app.route("/")
async def hello(request):
    return html, 200, {"Content-Type": "text/html"}


@app.route("/shutdown")
async def shutdown(request):
    request.app.shutdown()
    return "The server is shutting down..."


print("serving on", sys.argv[1])
app.run(port=int(sys.argv[1]), debug=True)
print("server stopped")
