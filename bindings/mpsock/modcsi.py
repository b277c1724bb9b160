"""The csi module a camera script sees (OpenMV's current camera API): csi.CSI() objects over
the stand-in sensor (camera.py), which gives real pictures timed as the board's sensor.

Settings a picture cannot show here (gain, exposure, white balance, contrast, ...) are kept
and read back, so scripts that set them run; they do not change the frames."""

import types

from . import camera, modimage

# ioctl requests (OpenMV's omv_csi_ioctl_t).
IOCTLS = {
    "IOCTL_SET_READOUT_WINDOW": 0x100, "IOCTL_GET_READOUT_WINDOW": 0x01, "IOCTL_SET_TRIGGERED_MODE": 0x02,
    "IOCTL_GET_TRIGGERED_MODE": 0x03, "IOCTL_SET_FOV_WIDE": 0x04, "IOCTL_GET_FOV_WIDE": 0x05,
    "IOCTL_TRIGGER_AUTO_FOCUS": 0x06, "IOCTL_PAUSE_AUTO_FOCUS": 0x07, "IOCTL_RESET_AUTO_FOCUS": 0x08,
    "IOCTL_WAIT_ON_AUTO_FOCUS": 0x09, "IOCTL_SET_NIGHT_MODE": 0x0A, "IOCTL_GET_NIGHT_MODE": 0x0B,
}
NORMAL = 0
NEGATIVE = 1


def _flag(sensor, name, enable):
    if enable is None:
        return getattr(sensor, name)
    setattr(sensor, name, bool(enable))
    return None


class CSI:
    """csi.CSI(cid=-1, delays=True, fflush=True, stream=None): the board's camera sensor."""

    def __init__(self, cid=-1, delays=True, fflush=True, stream=None, *, _sensor=None):
        own = camera.profile_camera()["chip_id"]
        if cid not in (-1, own):
            raise ValueError("No sensor with chip ID 0x%X on this board (it has the %s)"
                             % (cid, camera.profile_camera()["sensor"]))
        self._sensor = _sensor
        self._buffers = 3

    def reset(self, hard=True):
        self._sensor.reset()

    def shutdown(self, enable):
        self._sensor.sleep(enable)

    def sleep(self, enable):
        self._sensor.sleep(enable)

    def flush(self):
        return None  # no IDE frame buffer here

    def snapshot(self, time=-1, frames=-1, blocking=True, image=None):
        if time >= 0 or frames >= 0:
            self._sensor.skip(frames=frames, time_ms=time)
            return None
        return self._sensor.snapshot(blocking=blocking, into=image)

    def skip_frames(self, n=-1, time=-1):
        self._sensor.skip(frames=n, time_ms=time)

    def width(self):
        return self._sensor.window[2]

    def height(self):
        return self._sensor.window[3]

    def cid(self):
        return camera.profile_camera()["chip_id"]

    def readable(self):
        return self._sensor.readable()

    def pixformat(self, pixformat=None):
        if pixformat is None:
            return self._sensor.pixformat
        self._sensor.set_pixformat(pixformat)
        return None

    def framesize(self, framesize=None):
        if framesize is None:
            return self._sensor.framesize
        self._sensor.set_framesize(framesize)
        return None

    def framerate(self, rate=None):
        if rate is None:
            return self._sensor.framerate or int(round(1e6 / self._sensor._picture_interval_us()))
        self._sensor.set_framerate(rate)
        return None

    def window(self, roi=None):
        if roi is None:
            return self._sensor.window
        self._sensor.set_window(roi)
        return None

    def quality(self, quality):
        quality = modimage._check_int(quality, "quality")
        if not 0 <= quality <= 100:
            raise ValueError("quality must be 0-100")
        self._sensor.quality = quality
        return True

    def _control(self, name, value):
        self._sensor.controls[name] = value
        return True

    def gainceiling(self, gainceiling):
        if gainceiling not in (2, 4, 8, 16, 32, 64, 128):
            raise ValueError("Invalid gainceiling")
        return self._control("gainceiling", gainceiling)

    def brightness(self, brightness):
        return self._control("brightness", brightness)

    def contrast(self, contrast):
        return self._control("contrast", contrast)

    def saturation(self, saturation):
        return self._control("saturation", saturation)

    def colorbar(self, enable):
        return self._control("colorbar", bool(enable))

    def special_effect(self, effect):
        if effect not in (NORMAL, NEGATIVE):
            raise ValueError("Invalid special effect")
        return self._control("special_effect", effect)

    def lens_correction(self, enable, radi, coef):
        return self._control("lens_correction", (bool(enable), radi, coef))

    def auto_gain(self, enable, gain_db=None, gain_db_ceiling=None):
        self._sensor.controls["auto_gain"] = bool(enable)
        if gain_db is not None:
            self._sensor.controls["gain_db"] = float(gain_db)

    def gain_db(self):
        return self._sensor.controls.get("gain_db", 0.0)

    def auto_exposure(self, enable, exposure_us=-1):
        self._sensor.controls["auto_exposure"] = bool(enable)
        if exposure_us >= 0:
            self._sensor.controls["exposure_us"] = int(exposure_us)

    def exposure_us(self):
        # Auto exposure: as long as a frame lasts.
        return self._sensor.controls.get("exposure_us", self._sensor._picture_interval_us())

    def auto_whitebal(self, enable, rgb_gain_db=None):
        self._sensor.controls["auto_whitebal"] = bool(enable)
        if rgb_gain_db is not None:
            self._sensor.controls["rgb_gain_db"] = tuple(float(v) for v in rgb_gain_db)

    def rgb_gain_db(self):
        return self._sensor.controls.get("rgb_gain_db", (0.0, 0.0, 0.0))

    def auto_blc(self, enable, regs=None):
        self._sensor.controls["auto_blc"] = bool(enable)

    def blc_regs(self):
        return list(self._sensor.controls.get("blc_regs", [0] * 8))

    def hmirror(self, enable=None):
        return _flag(self._sensor, "hmirror", enable)

    def vflip(self, enable=None):
        return _flag(self._sensor, "vflip", enable)

    def transpose(self, enable=None):
        return _flag(self._sensor, "transpose", enable)

    def auto_rotation(self, enable=None):
        if enable is None:
            return False
        return None  # needs an IMU: never on here

    def framebuffers(self, count=None):
        if count is None:
            return self._buffers
        count = modimage._check_int(count, "count")
        if count < 1:
            raise ValueError("Invalid frame buffer count")
        self._buffers = count
        return None

    def ioctl(self, request, *args):
        if request == IOCTLS["IOCTL_GET_READOUT_WINDOW"]:
            return (0, 0) + self._sensor.size
        if request in (IOCTLS["IOCTL_GET_FOV_WIDE"], IOCTLS["IOCTL_GET_NIGHT_MODE"],
                       IOCTLS["IOCTL_GET_TRIGGERED_MODE"]):
            return self._sensor.controls.get(("ioctl", request), False)
        if request in (IOCTLS["IOCTL_SET_FOV_WIDE"], IOCTLS["IOCTL_SET_NIGHT_MODE"],
                       IOCTLS["IOCTL_SET_TRIGGERED_MODE"]):
            if len(args) != 1:
                raise TypeError("ioctl takes one value for this request")
            self._sensor.controls[("ioctl", request + 1)] = bool(args[0])  # its GET request is the next
            return None
        if request in IOCTLS.values():
            return None  # auto focus and readout requests: nothing to move here
        raise ValueError("Operation not supported")

    def vsync_callback(self, cb=None):
        raise OSError("mpsock: vsync_callback is not emulated")

    def frame_callback(self, cb=None):
        raise OSError("mpsock: frame_callback is not emulated")

    def color_palette(self, palette=None):
        return None


def make_module(sensor, name="csi"):
    """The csi module of one run; CSI() objects drive `sensor` (the board's camera)."""
    module = types.ModuleType(name)

    class BoardCSI(CSI):
        __doc__ = CSI.__doc__

        def __init__(self, cid=-1, delays=True, fflush=True, stream=None):
            super().__init__(cid, delays, fflush, stream, _sensor=sensor)

    BoardCSI.__name__ = BoardCSI.__qualname__ = "CSI"
    module.CSI = BoardCSI

    def devices():
        return [camera.profile_camera()["chip_id"]]

    module.devices = devices
    for table in (camera.PIXFORMATS, camera.CHIP_IDS, IOCTLS):
        for key, value in table.items():
            setattr(module, key, value)
    for key, (number, _, _) in camera.FRAMESIZES.items():
        setattr(module, key, number)
    module.NORMAL = NORMAL
    module.NEGATIVE = NEGATIVE
    return module
