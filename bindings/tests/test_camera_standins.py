"""The camera stand-ins themselves: image.Image (in process), and csi/sensor/omv/LEDs/time.clock
as a script sees them under `mpsock run` (frames from the test pattern or --frames, the
sensor's frame timing, the same pictures for the same --seed)."""

import io
import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image as PilImage

from mpsock import modimage

pytest.register_assert_rewrite("mpsock.pytest_plugin")
from mpsock.pytest_plugin import loaded_by_entry_point  # noqa: E402

pytest_plugins = [] if loaded_by_entry_point() else ["mpsock.pytest_plugin"]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# ---- image.Image ----


def test_rgb565_image_bytes_are_the_camera_layout():
    img = modimage.Image(4, 2, modimage.RGB565)
    assert (img.width(), img.height(), img.size(), len(img)) == (4, 2, 16, 8)
    img.set_pixel(1, 0, (255, 0, 0))
    raw = img.bytearray()
    assert raw[2:4] == b"\x00\xf8"  # 0xF800, little-endian
    raw[4:6] = b"\x1f\x00"  # pure blue written through the bytearray ...
    assert img.get_pixel(2, 0) == (0, 0, 255)  # ... is the image's pixel
    assert img.get_pixel(2, 0, rgbtuple=False) == 0x001F
    assert img[1] == 0xF800
    assert bytes(img) == bytes(raw) and memoryview(img).nbytes == 16
    assert img.get_pixel(9, 9) is None


def test_to_bytes_is_a_copy_of_the_image_bytes():
    img = modimage.Image(4, 2, modimage.RGB565)
    img.set_pixel(0, 0, (255, 0, 0))
    data = img.to_bytes()
    assert isinstance(data, bytes) and data == bytes(img.bytearray()) and len(data) == 16
    img.set_pixel(0, 0, (0, 0, 0))
    assert data[0:2] == b"\x00\xf8"  # a copy: the image changed, the bytes did not
    img.compress(quality=50)
    jpeg = img.to_bytes()
    assert jpeg[:2] == b"\xff\xd8" and PilImage.open(io.BytesIO(jpeg)).size == (4, 2)


def test_grayscale_yuv_and_bayer_sizes():
    for pixformat, per_pixel in ((modimage.GRAYSCALE, 1), (modimage.YUV422, 2), (modimage.BAYER, 1)):
        img = modimage.Image(8, 6, pixformat)
        img.draw_rectangle(0, 0, 8, 6, color=(200, 200, 200), fill=True)
        assert img.size() == 48 * per_pixel == len(bytes(img))
        jpeg = img.to_jpeg(copy=True)
        assert PilImage.open(io.BytesIO(bytes(jpeg))).size == (8, 6)


def test_to_jpeg_in_place_copy_and_compressed():
    img = modimage.Image(64, 48, modimage.RGB565)
    img.draw_rectangle(0, 0, 32, 48, color=(255, 255, 255), fill=True)
    copy = img.to_jpeg(quality=50, copy=True)
    assert img.format() == modimage.RGB565 and copy.format() == modimage.JPEG
    old = img.compressed(quality=50)
    assert img.format() == modimage.RGB565 and bytes(old) == bytes(copy)
    same = img.compress(quality=50)
    assert same is img and img.format() == modimage.JPEG and img.size() == len(bytes(img))
    decoded = PilImage.open(io.BytesIO(bytes(img)))
    assert decoded.format == "JPEG" and decoded.size == (64, 48)
    assert decoded.convert("L").getpixel((5, 5)) > 240 and decoded.convert("L").getpixel((60, 5)) < 15
    small = modimage.Image(64, 48, modimage.RGB565).to_jpeg(quality=10, copy=True)
    assert small.size() < copy.size() * 2


def test_a_memoryview_keeps_its_bytes_when_the_image_converts():
    img = modimage.Image(16, 16, modimage.GRAYSCALE)
    view = memoryview(img)
    img.to_jpeg()
    assert view.nbytes == 256 and bytes(img)[:2] == b"\xff\xd8"


def test_bad_arguments_raise_clear_errors():
    img = modimage.Image(8, 8, modimage.RGB565)
    with pytest.raises(ValueError):
        img.to_jpeg(quality=101)
    with pytest.raises(TypeError):
        img.to_jpeg(quality="high")
    with pytest.raises(TypeError):
        img.to_jpeg(alpha=128)  # not emulated: refused, not ignored
    with pytest.raises(ValueError):
        modimage.Image(0, 8, modimage.RGB565)
    with pytest.raises(OSError):
        modimage.Image(8, 8, modimage.BINARY)
    with pytest.raises(ValueError):
        modimage.Image(8, 8, modimage.JPEG)  # a JPEG image needs its bytes


def test_save_and_load(tmp_path):
    img = modimage.Image(32, 24, modimage.RGB565)
    img.draw_cross(16, 12, color=(0, 255, 0), size=5)
    for name, kind in (("a.jpg", "JPEG"), ("a.bmp", "BMP"), ("a.png", "PNG"), ("a.ppm", "PPM")):
        img.save(str(tmp_path / name))
        assert PilImage.open(tmp_path / name).format == kind
    loaded = modimage.Image(str(tmp_path / "a.jpg"))
    assert loaded.format() == modimage.JPEG and (loaded.width(), loaded.height()) == (32, 24)
    assert modimage.Image(str(tmp_path / "a.png")).get_pixel(16, 12) == (0, 255, 0)
    blob = modimage.Image(32, 24, modimage.JPEG, buffer=(tmp_path / "a.jpg").read_bytes())
    assert blob.size() == os.path.getsize(tmp_path / "a.jpg")
    with pytest.raises(OSError):
        modimage.Image(str(tmp_path / "missing.jpg"))


# ---- csi, sensor, omv, LEDs, clock under mpsock run ----

SNAPSHOTS = """
import binascii, csi, hashlib, sys
csi0 = csi.CSI()
csi0.reset()
csi0.pixformat(csi.RGB565)
csi0.framesize(csi.QQVGA)
csi0.snapshot(frames=3)
for i in range(int(sys.argv[1])):
    img = csi0.snapshot()
    print(binascii.hexlify(hashlib.sha256(img.to_jpeg(quality=90, copy=True).bytearray()).digest())[:16],
          img.get_pixel(80, 60), img.get_pixel(2, 118))
"""


def test_the_test_pattern_is_the_same_for_the_same_seed(mpsock_run, tmp_path):
    path = write(tmp_path, "snap.py", SNAPSHOTS)
    first = mpsock_run(path, 3, seed=5, frame_timing="off").check().lines
    again = mpsock_run(path, 3, seed=5, frame_timing="off").check().lines
    other = mpsock_run(path, 3, seed=6, frame_timing="off").check().lines
    assert first == again
    assert len(set(first)) == 3  # it moves
    assert first != other


def test_frames_from_a_folder_loop_and_are_scaled(mpsock_run, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    for i, colour in enumerate(colours):
        PilImage.new("RGB", (640, 360), colour).save(folder / ("%02d.png" % i))
    path = write(tmp_path, "snap.py", SNAPSHOTS)
    lines = mpsock_run(path, 4, frames=str(folder), frame_timing="off").check().lines
    centres = [line.split(" ", 1)[1] for line in lines]
    # after the 3 skipped frames: frames 3, 4, 5, 6 of a 3-image loop
    assert centres == ["(255, 0, 0) (255, 0, 0)", "(0, 255, 0) (0, 255, 0)", "(0, 0, 255) (0, 0, 255)",
                       "(255, 0, 0) (255, 0, 0)"]


def test_frames_from_an_mjpeg_file(mpsock_run, tmp_path):
    stream = io.BytesIO()
    for colour in ((255, 255, 255), (0, 0, 0)):
        PilImage.new("RGB", (320, 240), colour).save(stream, "JPEG", quality=95)
    (tmp_path / "clip.mjpeg").write_bytes(stream.getvalue())
    script = write(tmp_path, "gray.py", """
import sensor
sensor.reset()
sensor.set_pixformat(sensor.GRAYSCALE)
sensor.set_framesize(sensor.QVGA)
print([sensor.snapshot().get_pixel(160, 120) > 128 for i in range(4)])
""")
    run = mpsock_run(script, frames=str(tmp_path / "clip.mjpeg"), frame_timing="off").check()
    assert run.lines == ["[True, False, True, False]"]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (bash .ci/install --test installs it)")
def test_frames_from_a_video_through_ffmpeg(mpsock_run, tmp_path):
    video = str(tmp_path / "clip.mp4")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=red:size=160x120:rate=10:duration=1", "-pix_fmt", "yuv420p", video],
                   check=True, timeout=60)
    path = write(tmp_path, "snap.py", SNAPSHOTS)
    lines = mpsock_run(path, 2, frames=video, frame_timing="off").check().lines
    for line in lines:
        r, g, b = eval(line.split(" ", 1)[1].split(") ")[0] + ")")  # noqa: S307 - our own output
        assert r > 200 and g < 60 and b < 60


def test_a_video_without_ffmpeg_fails_clearly(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    script = write(tmp_path, "noop.py", "print('ran')\n")
    bare = tmp_path / "bin"
    bare.mkdir()
    env = dict(os.environ, PATH=str(bare))
    done = subprocess.run([sys.executable, "-m", "mpsock.cli", "run", "--frames", str(tmp_path / "clip.mp4"), script],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert "needs ffmpeg" in done.stderr and "ran" not in done.stdout


def test_a_missing_frames_path_fails_before_the_script(tmp_path):
    script = write(tmp_path, "noop.py", "print('ran')\n")
    done = subprocess.run([sys.executable, "-m", "mpsock.cli", "run", "--frames", str(tmp_path / "nothing"), script],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no such file or folder" in done.stderr


TIMED = """
import csi, sys, time
csi0 = csi.CSI()
csi0.reset()
csi0.pixformat(csi.GRAYSCALE)
csi0.framesize(getattr(csi, sys.argv[1]))
clock = time.clock()
start = time.ticks_ms()
for i in range(int(sys.argv[2])):
    clock.tick()
    csi0.snapshot()
    fps = clock.fps()
print("%.1f %d" % (fps, time.ticks_diff(time.ticks_ms(), start)))
"""


def test_frames_come_at_the_sensors_rate(mpsock_run, tmp_path):
    path = write(tmp_path, "timed.py", TIMED)
    fps, elapsed = mpsock_run(path, "VGA", 45).check().lines[0].split()
    # The RT1062's OV5640 gives VGA at 90 fps: 45 frames take half a second, not less.
    assert float(fps) <= 100 and int(elapsed) >= 450
    fps, elapsed = mpsock_run(path, "VGA", 45, frame_timing="off").check().lines[0].split()
    assert float(fps) > 100 and int(elapsed) < 450


def test_board_identity_leds_and_the_message_for_other_camera_modules(mpsock_run, tmp_path):
    path = write(tmp_path, "board.py", """
import csi, machine, omv, sys
print(omv.board_type(), omv.arch(), omv.version_string(), len(omv.board_id()))
print(hex(csi.CSI().cid()) == hex(csi.OV5640), csi.devices())
led = machine.LED("LED_RED")
led.on()
led.value(0)
led.toggle()
try:
    machine.LED("LED_PINK")
except ValueError:
    print("no such LED")
try:
    csi.CSI().framesize((4000, 3000))
except ValueError:
    print("too large")
import fir
""")
    run = mpsock_run(path, trace=True)
    assert run.returncode == 1
    assert run.lines == ["IMXRT1060 OMVRT1060 32768 SDRAM 5.0.0 24", "True [86]", "no such LED", "too large"]
    assert "'fir' is a camera module that mpsock does not emulate" in run.stderr
    assert [(e["led"], e["on"]) for e in run.trace.events("led")] == [("LED_RED", True), ("LED_RED", False),
                                                                      ("LED_RED", True)]
    assert "LED_RED on" in run.trace.timeline()

