# microdot's streaming example as a camera script: a multipart stream of (fake) JPEG frames,
# one every 50 ms, as an async generator or, as MicroPython needs it, a class with __anext__.
#   microdot_stream.py PORT generator|class
import asyncio
import sys

from microdot import Microdot

app = Microdot()
frames = [b"\xff\xd8frame-%d\xff\xd9" % i for i in range(3)]
style = sys.argv[2]


@app.route("/video_feed")
async def video_feed(request):
    if style == "generator":

        async def stream():
            yield b"--frame\r\n"
            while True:
                for frame in frames:
                    yield b"Content-Type: image/jpeg\r\n\r\n" + frame + b"\r\n--frame\r\n"
                    await asyncio.sleep_ms(50)

    else:

        class stream:
            def __init__(self):
                self.i = 0

            def __aiter__(self):
                return self

            async def __anext__(self):
                await asyncio.sleep_ms(50)
                self.i = (self.i + 1) % len(frames)
                return b"Content-Type: image/jpeg\r\n\r\n" + frames[self.i] + b"\r\n--frame\r\n"

    return stream(), 200, {"Content-Type": "multipart/x-mixed-replace; boundary=frame"}


@app.route("/shutdown")
async def shutdown(request):
    request.app.shutdown()
    return "bye"


print("serving on", sys.argv[1])
app.run(port=int(sys.argv[1]))
print("server stopped")
