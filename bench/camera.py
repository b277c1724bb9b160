"""How fast the camera stand-in makes pictures: a camera script takes snapshot() + to_jpeg() of
a QVGA RGB565 frame in a loop under `mpsock run --frame-timing off` (the sensor's pacing off,
so the figure is the stand-in's own cost, not the sensor's 120 fps), and reports frames per
second on this machine. The project's target is >= 200 fps, so that a streaming script is
limited by the network path, not by the stand-in.

    python3 bench/camera.py [--frames 600] [--quality 35] [--runs 3] [--size QVGA]

With the sensor's pacing on (`--frame-timing sensor`, the default of `mpsock run`) the same
loop runs at the profile's sensor rate instead: `--paced` measures that too, for comparison.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

LOOP = """
import csi, sys, time
frames, quality, size = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
csi0 = csi.CSI()
csi0.reset()
csi0.pixformat(csi.RGB565)
csi0.framesize(getattr(csi, size))
for i in range(20):  # warm up: fonts, caches
    csi0.snapshot().to_jpeg(quality=quality)
start = time.ticks_us()
total = 0
for i in range(frames):
    img = csi0.snapshot()
    total += img.to_jpeg(quality=quality).size()
took = time.ticks_diff(time.ticks_us(), start)
print("%.1f %d" % (frames * 1e6 / took, total // frames))
"""


def run_once(path, frames, quality, size, timing):
    command = [sys.executable, "-m", "mpsock.cli", "run", "--frame-timing", timing, path, str(frames), str(quality),
               size]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError("the benchmark script failed:\n" + done.stderr)
    fps, jpeg_bytes = done.stdout.split()
    return float(fps), int(jpeg_bytes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--quality", type=int, default=35)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="QVGA")
    parser.add_argument("--paced", action="store_true", help="also measure with the sensor's frame timing on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "camera_loop.py")
        with open(path, "w") as handle:
            handle.write(LOOP)
        results = [run_once(path, args.frames, args.quality, args.size, "off") for _ in range(args.runs)]
        fps = statistics.median(r[0] for r in results)
        print("snapshot + to_jpeg(quality=%d), %s RGB565, frame timing off: %.0f fps (median of %d runs: %s), "
              "%d-byte JPEGs" % (args.quality, args.size, fps, args.runs, ", ".join("%.0f" % r[0] for r in results),
                                 results[0][1]))
        print("target >= 200 fps: %s" % ("met" if fps >= 200 else "NOT met"))
        if args.paced:
            paced = run_once(path, min(args.frames, 240), args.quality, args.size, "sensor")[0]
            print("with the sensor's frame timing (default profile): %.0f fps" % paced)


if __name__ == "__main__":
    main()
