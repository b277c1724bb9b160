"""The camera sensor behind the csi and sensor modules: its settings (pixel format, frame size,
window, mirroring, JPEG quality) and its frames, timed as the board's sensor delivers them.

The sensor streams from reset on: frame N is ready at reset + N * T, where T is the interval
of the profile's sensor at the frame size (`_mpsock.frame_interval_us`, from the core's
Profile). snapshot() returns the newest frame the script has not had yet, waiting for the
next one if it has had them all, so a loop that is faster than the sensor runs at the sensor's
rate and clock.fps() reads as on the camera; a slower loop gets every frame it can. With the
frame timing off (`--frame-timing off`) nothing waits and each snapshot is the next frame.
The picture's time is N * T either way, so a run with the same --seed draws the same frames."""

import threading
import time

from . import _mpsock, camera_config, modimage

# Frame sizes: OpenMV's omv_csi_framesize_t values, and their pixels.
FRAMESIZES = {
    "QQCIF": (1, 88, 72), "QCIF": (2, 176, 144), "CIF": (3, 352, 288), "QQSIF": (4, 88, 60),
    "QSIF": (5, 176, 120), "SIF": (6, 352, 240), "QQQQVGA": (7, 40, 30), "QQQVGA": (8, 80, 60),
    "QQVGA": (9, 160, 120), "QVGA": (10, 320, 240), "VGA": (11, 640, 480), "HQQQQVGA": (12, 30, 20),
    "HQQQVGA": (13, 60, 40), "HQQVGA": (14, 120, 80), "HQVGA": (15, 240, 160), "HVGA": (16, 480, 320),
    "B64X32": (17, 64, 32), "B64X64": (18, 64, 64), "B128X64": (19, 128, 64), "B128X128": (20, 128, 128),
    "B160X160": (21, 160, 160), "B320X320": (22, 320, 320), "LCD": (23, 128, 160), "QQVGA2": (24, 128, 160),
    "WVGA": (25, 720, 480), "WVGA2": (26, 752, 480), "SVGA": (27, 800, 600), "XGA": (28, 1024, 768),
    "WXGA": (29, 1280, 768), "SXGA": (30, 1280, 1024), "SXGAM": (31, 1280, 960), "UXGA": (32, 1600, 1200),
    "HD": (33, 1280, 720), "FHD": (34, 1920, 1080), "QHD": (35, 2560, 1440), "QXGA": (36, 2048, 1536),
    "WQXGA": (37, 2560, 1600), "WQXGA2": (38, 2592, 1944),
}
SIZE_OF = {number: (width, height) for number, width, height in FRAMESIZES.values()}
PIXFORMATS = {"BINARY": modimage.BINARY, "GRAYSCALE": modimage.GRAYSCALE, "RGB565": modimage.RGB565,
              "BAYER": modimage.BAYER, "YUV422": modimage.YUV422, "JPEG": modimage.JPEG}
# Chip IDs (OpenMV's omv_csi.h) by the name csi and sensor export them under.
CHIP_IDS = {"OV2640": 0x26, "OV5640": 0x56, "OV7670": 0x76, "OV7690": 0x76, "OV7725": 0x77, "OV9650": 0x96,
            "MT9V022": 0x1313, "MT9V024": 0x1324, "MT9V032": 0x1313, "MT9V034": 0x1324, "MT9M114": 0x2481,
            "BOSON320": 0xAE32, "BOSON640": 0xAE64, "LEPTON": 0x54, "HM01B0": 0xB0, "HM0360": 0x60,
            "GC2145": 0x21, "GENX320ES": 0x30501C01, "GENX320": 0xB0602003, "PAG7920": 0x7920,
            "PAG7936": 0x7936, "PAJ6100": 0x6100, "FROGEYE2020": 0x2020, "SOFTCSI": 0x50F7}
NOMINAL_INTERVAL_US = 33333  # the time written on frames of an unpaced sensor (30 fps)
DEFAULT_JPEG_QUALITY = 90

frame_source = camera_config.frame_source
timing_enabled = camera_config.timing_enabled


def _now_us():
    return time.monotonic_ns() // 1000


def _wait_until_us(deadline_us):
    """Sleeps until the deadline, letting the emulated network run (as time.sleep does)."""
    while True:
        left_us = deadline_us - _now_us()
        if left_us <= 0:
            return
        if left_us >= 1000:
            _mpsock.sleep_ms(left_us // 1000)
        else:
            time.sleep(left_us / 1e6)


def profile_camera():
    return _mpsock.current_profile()["camera"]


class Sensor:
    """One camera sensor: the board's primary one, shared by csi.CSI() and the sensor module."""

    def __init__(self):
        self._lock = threading.RLock()
        self.reset()

    def reset(self):
        with self._lock:
            self.pixformat = modimage.RGB565
            self.framesize = FRAMESIZES["QVGA"][0]
            self.size = SIZE_OF[self.framesize]
            self.window = (0, 0) + self.size
            self.hmirror = False
            self.vflip = False
            self.transpose = False
            self.quality = DEFAULT_JPEG_QUALITY
            self.framerate = 0  # 0: the sensor's own rate
            self.controls = {}
            self._start_us = _now_us()
            self._last_frame = -1
            self._sleeping = False

    # -- Settings --

    def set_pixformat(self, pixformat):
        if pixformat not in PIXFORMATS.values():
            raise ValueError("Invalid pixformat")
        if pixformat == modimage.BINARY:
            raise OSError("mpsock: the sensor has no BINARY output (use GRAYSCALE or RGB565)")
        with self._lock:
            self.pixformat = pixformat

    def set_framesize(self, framesize):
        if isinstance(framesize, (tuple, list)):
            if len(framesize) != 2:
                raise ValueError("Invalid framesize")
            width, height = (modimage._check_int(v, "framesize") for v in framesize)
            number = 0
        else:
            number = modimage._check_int(framesize, "framesize")
            if number not in SIZE_OF:
                raise ValueError("Invalid framesize")
            width, height = SIZE_OF[number]
        camera = profile_camera()
        if width <= 0 or height <= 0 or width > camera["max_width"] or height > camera["max_height"]:
            raise ValueError("Invalid framesize: the %s reads out at most %dx%d"
                             % (camera["sensor"], camera["max_width"], camera["max_height"]))
        with self._lock:
            self.framesize = number
            self.size = (width, height)
            self.window = (0, 0, width, height)
            self._restart()

    def set_window(self, roi):
        if not isinstance(roi, (tuple, list)) or len(roi) not in (2, 4):
            raise ValueError("Invalid window: expected (w, h) or (x, y, w, h)")
        values = [modimage._check_int(v, "window") for v in roi]
        width, height = self.size
        if len(values) == 2:
            w, h = values
            x, y = (width - w) // 2, (height - h) // 2
        else:
            x, y, w, h = values
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
            raise ValueError("Invalid window: outside the %dx%d frame" % (width, height))
        with self._lock:
            self.window = (x, y, w, h)

    def set_framerate(self, rate):
        rate = modimage._check_int(rate, "rate")
        if rate < 0:
            raise ValueError("Invalid framerate")
        with self._lock:
            self.framerate = rate

    def _restart(self):
        # A new mode: the sensor starts its frames over.
        self._start_us = _now_us()
        self._last_frame = -1

    # -- Frames --

    def interval_us(self):
        """The time between two frames: the sensor's at this size, or slower if framerate()
        asked for less."""
        interval = _mpsock.frame_interval_us(*self.size)
        if self.framerate:
            interval = max(interval, int(1e6 / self.framerate))
        return interval

    def _picture_interval_us(self):
        return self.interval_us() or NOMINAL_INTERVAL_US

    def _next_frame(self, blocking=True):
        """The number of the frame snapshot() returns now, waiting for it if need be; None
        when not blocking and no new frame is ready."""
        interval = self.interval_us() if timing_enabled() else 0
        if interval == 0:
            self._last_frame += 1
            return self._last_frame
        ready = (_now_us() - self._start_us) // interval
        if ready > self._last_frame:
            self._last_frame = ready  # frames the script did not take in time are dropped
            return ready
        if not blocking:
            return None
        wanted = self._last_frame + 1
        _wait_until_us(self._start_us + wanted * interval)
        self._last_frame = wanted
        return wanted

    def readable(self):
        with self._lock:
            interval = self.interval_us() if timing_enabled() else 0
            return interval == 0 or (_now_us() - self._start_us) // interval > self._last_frame

    def skip(self, frames=-1, time_ms=-1):
        """Drops frames: `frames` of them and/or for `time_ms` milliseconds (10 frames when
        neither is given, as sensor.skip_frames() does)."""
        if frames < 0 and time_ms < 0:
            frames = 10
        with self._lock:
            interval = self.interval_us() if timing_enabled() else 0
            if interval == 0:
                # Unpaced: no waiting; the frames that time would have brought go by.
                count = max(frames, 0)
                if time_ms > 0:
                    count = max(count, (time_ms * 1000) // self._picture_interval_us())
                self._last_frame += count
                return
            started = _now_us()
            taken = 0
            while taken < frames or (time_ms > 0 and _now_us() - started < time_ms * 1000):
                self._next_frame()
                taken += 1

    def snapshot(self, blocking=True, into=None):
        if self._sleeping:
            raise RuntimeError("Sensor is asleep")
        with self._lock:
            number = self._next_frame(blocking)
            if number is None:
                return None
            picture = self._render(number)
        if into is not None:
            return into._become(picture)
        return picture

    def _render(self, number):
        time_ms = number * self._picture_interval_us() // 1000
        picture = frame_source().frame(number, time_ms, self.size)
        x, y, w, h = self.window
        if (x, y, w, h) != (0, 0) + self.size:
            picture = picture.crop((x, y, x + w, y + h))
        if self.hmirror:
            picture = picture.transpose(modimage._PilImage.FLIP_LEFT_RIGHT)
        if self.vflip:
            picture = picture.transpose(modimage._PilImage.FLIP_TOP_BOTTOM)
        if self.transpose:
            picture = picture.transpose(modimage._PilImage.TRANSPOSE)
        if self.pixformat == modimage.JPEG:
            data = modimage.encode_jpeg(picture, self.quality)
            return modimage.Image._of_encoded(data, picture.width, picture.height, modimage.JPEG)
        if self.pixformat == modimage.GRAYSCALE:
            picture = picture.convert("L")
        return modimage.Image._of_pil(picture, self.pixformat)

    def sleep(self, enable):
        self._sleeping = bool(enable)


def new_board_sensor():
    """The primary sensor of one script run (csi.CSI() and the sensor module share it)."""
    return Sensor()
