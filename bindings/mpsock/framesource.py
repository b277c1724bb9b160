"""Where the camera stand-in's pictures come from: a moving test pattern with the frame number
and the sensor's time drawn on it (the same pictures for the same --seed), or the frames of
--frames PATH (a folder of images, an image, an MJPEG stream or AVI, or any video ffmpeg
decodes), cropped to the frame's aspect and scaled to the frame size the script asked for.

A source is asked for frame number N at a size and answers a Pillow RGB image; frame numbers
run on forever and files loop."""

import io
import os
import random
import shutil
import subprocess

from PIL import Image, ImageDraw, ImageOps

from .modimage import draw_text

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff", ".webp")
# Frames kept decoded and scaled, so a looping file does not decode each time.
SCALED_CACHE = 64
# A video is decoded once, up front, into JPEG frames; beyond this many the rest is dropped.
VIDEO_FRAME_LIMIT = 1000
FFMPEG_TIMEOUT_S = 120


class FrameSourceError(ValueError):
    """--frames names something that gives no pictures; the message says why."""


# ---- The test pattern ----


class TestPattern:
    """Colour bars, a bar sweeping across and a box bouncing, with the frame number and the
    sensor's time written on it. Colours, speeds and starting points come from the seed."""

    def __init__(self, seed=1):
        rng = random.Random("mpsock test pattern %d" % seed)
        self.seed = seed
        self.bars = [tuple(rng.randrange(40, 256) for _ in range(3)) for _ in range(8)]
        self.sweep_color = tuple(rng.randrange(0, 256) for _ in range(3))
        self.box_color = tuple(rng.randrange(0, 256) for _ in range(3))
        self.sweep_speed = rng.uniform(0.004, 0.012)  # of the width per frame
        self.box_speed = (rng.uniform(0.006, 0.02), rng.uniform(0.006, 0.02))
        self.phase = (rng.random(), rng.random(), rng.random())
        self._backgrounds = {}

    def describe(self):
        return "test pattern (seed %d)" % self.seed

    def _background(self, size):
        background = self._backgrounds.get(size)
        if background is None:
            width, height = size
            background = Image.new("RGB", size)
            draw = ImageDraw.Draw(background)
            for i, color in enumerate(self.bars):
                draw.rectangle((i * width // 8, 0, (i + 1) * width // 8 - 1, height * 2 // 3), fill=color)
            for x in range(width):  # a grey ramp along the bottom third
                level = x * 255 // max(1, width - 1)
                draw.line((x, height * 2 // 3, x, height - 1), fill=(level, level, level))
            self._backgrounds = {size: background}  # one size at a time is what a script uses
        return background

    def frame(self, number, time_ms, size):
        width, height = size
        picture = self._background(size).copy()
        draw = ImageDraw.Draw(picture)
        sweep = int(((self.phase[0] + number * self.sweep_speed) % 1.0) * width)
        draw.rectangle((sweep, 0, min(width - 1, sweep + max(2, width // 40)), height - 1), fill=self.sweep_color)
        box = max(4, min(width, height) // 6)
        bx = _bounce(self.phase[1] + number * self.box_speed[0]) * max(0, width - box)
        by = _bounce(self.phase[2] + number * self.box_speed[1]) * max(0, height - box)
        draw.rectangle((int(bx), int(by), int(bx) + box - 1, int(by) + box - 1), fill=self.box_color)
        scale = max(1.0, min(width, height) / 120.0)
        text_height = int(12 * scale)
        draw.rectangle((0, 0, width - 1, 2 * text_height + 4), fill=(0, 0, 0))
        draw_text(picture, 2, 1, "frame %d" % number, (255, 255, 255), scale)
        draw_text(picture, 2, text_height + 2, "t=%d.%03d s" % (time_ms // 1000, time_ms % 1000), (255, 255, 0),
                  scale)
        return picture


def _bounce(position):
    """0..1..0 as position goes 0..0.5..1 (a triangle wave)."""
    position %= 1.0
    return 2 * position if position < 0.5 else 2 * (1 - position)


# ---- Frames from files ----


class FileFrames:
    """The frames of --frames PATH, in order, looping."""

    def __init__(self, path):
        self.path = path
        self.kind, self._frames = _open_frames(path)  # a list of zero-argument loaders
        self._scaled = {}

    def describe(self):
        return "%s %s (%d frames)" % (self.kind, self.path, len(self._frames))

    def __len__(self):
        return len(self._frames)

    def frame(self, number, time_ms, size):
        index = number % len(self._frames)
        key = (index, size)
        picture = self._scaled.get(key)
        if picture is None:
            source = self._frames[index]()
            picture = ImageOps.fit(source.convert("RGB"), size, Image.BILINEAR)
            if len(self._scaled) >= SCALED_CACHE:
                self._scaled.pop(next(iter(self._scaled)))
            self._scaled[key] = picture
        return picture.copy()


def _open_frames(path):
    if not os.path.exists(path):
        raise FrameSourceError("--frames %s: no such file or folder" % path)
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.lower().endswith(IMAGE_EXTENSIONS))
        if not names:
            raise FrameSourceError("--frames %s: the folder has no images (%s)" % (path, " ".join(IMAGE_EXTENSIONS)))
        for name in names:
            _check_image(os.path.join(path, name))
        return "folder", [_file_loader(os.path.join(path, name)) for name in names]
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head[:2] == b"\xff\xd8" or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        with open(path, "rb") as handle:
            jpegs = split_jpegs(handle.read())
        if jpegs and (len(jpegs) > 1 or head[:4] == b"RIFF" or not path.lower().endswith(IMAGE_EXTENSIONS)):
            return "MJPEG file", [_bytes_loader(jpeg) for jpeg in jpegs]
    if path.lower().endswith(IMAGE_EXTENSIONS):
        _check_image(path)
        return "image", [_file_loader(path)]
    return "video", [_bytes_loader(jpeg) for jpeg in decode_video(path)]


def _check_image(path):
    try:
        with Image.open(path) as opened:
            opened.verify()
    except OSError as error:
        raise FrameSourceError("--frames %s: not an image Pillow can read (%s)" % (path, error)) from None


def _file_loader(path):
    def load():
        with Image.open(path) as opened:
            opened.load()
            return opened.copy()

    return load


def _bytes_loader(data):
    def load():
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        return decoded

    return load


def split_jpegs(data):
    """The JPEG files one after another in `data` (an MJPEG stream, or the frames inside an AVI),
    found by walking their markers: segment lengths up to the scan, then the entropy-coded data
    (where a 0xFF byte is followed by 0x00 or a restart marker) up to the EOI."""
    jpegs = []
    start = data.find(b"\xff\xd8\xff")
    while start != -1:
        end = _jpeg_end(data, start)
        if end is None:
            break
        jpegs.append(data[start:end])
        start = data.find(b"\xff\xd8\xff", end)
    return jpegs


def _jpeg_end(data, start):
    i = start + 2
    size = len(data)
    while i + 2 <= size:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:
            return i + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        if i + 4 > size:
            return None
        length = (data[i + 2] << 8) | data[i + 3]
        i += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            while True:
                i = data.find(b"\xff", i)
                if i == -1 or i + 1 >= size:
                    return None
                following = data[i + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    i += 1 if following == 0xFF else 2
                    continue
                break
    return None


def decode_video(path):
    """The frames of a video file as JPEG files, decoded by ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FrameSourceError(
            "--frames %s: decoding a video needs ffmpeg, which is not installed (apt-get install ffmpeg); "
            "or give a folder of images or an MJPEG file" % path
        )
    command = [ffmpeg, "-nostdin", "-loglevel", "error", "-i", path, "-frames:v", str(VIDEO_FRAME_LIMIT),
               "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "-"]
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=FFMPEG_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        raise FrameSourceError("--frames %s: ffmpeg took over %d s to decode it" % (path, FFMPEG_TIMEOUT_S)) from None
    jpegs = split_jpegs(done.stdout)
    if done.returncode != 0 or not jpegs:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise FrameSourceError("--frames %s: ffmpeg could not decode it (%s)" % (path, why[-1] if why else "no frames"))
    return jpegs


def open_source(frames=None, seed=1):
    """The frame source for a run: the files of `frames`, or the test pattern."""
    if frames:
        return FileFrames(frames)
    return TestPattern(seed)
