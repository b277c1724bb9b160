"""The sensor module a camera script sees (OpenMV's older camera API): module-level functions
over the board's camera, the same stand-in sensor csi.CSI() drives (camera.py)."""

import types

from . import camera, modcsi


def make_module(sensor, name="sensor"):
    """The sensor module of one run, driving `sensor` (shared with the csi module)."""
    module = types.ModuleType(name)
    csi = modcsi.make_module(sensor).CSI()

    def reset():
        csi.reset()

    def snapshot():
        return csi.snapshot()

    def skip_frames(n=-1, time=-1):
        csi.skip_frames(n, time)

    def setter(method):
        def set_value(*args, **kwargs):
            result = method(*args, **kwargs)
            return True if result is None else result

        set_value.__name__ = "set_" + method.__name__
        return set_value

    functions = {
        "reset": reset,
        "snapshot": snapshot,
        "skip_frames": skip_frames,
        "sleep": csi.sleep,
        "shutdown": csi.shutdown,
        "flush": csi.flush,
        "width": csi.width,
        "height": csi.height,
        "get_id": csi.cid,
        "get_pixformat": lambda: csi.pixformat(),
        "get_framesize": lambda: csi.framesize(),
        "get_framerate": lambda: csi.framerate(),
        "get_windowing": lambda: csi.window(),
        "get_hmirror": lambda: csi.hmirror(),
        "get_vflip": lambda: csi.vflip(),
        "get_transpose": lambda: csi.transpose(),
        "get_gain_db": csi.gain_db,
        "get_exposure_us": csi.exposure_us,
        "get_rgb_gain_db": csi.rgb_gain_db,
        "get_blc_regs": csi.blc_regs,
        "get_frame_available": csi.readable,
        "ioctl": csi.ioctl,
        "set_pixformat": setter(csi.pixformat),
        "set_framesize": setter(csi.framesize),
        "set_framerate": setter(csi.framerate),
        "set_windowing": setter(csi.window),
        "set_gainceiling": csi.gainceiling,
        "set_brightness": csi.brightness,
        "set_contrast": csi.contrast,
        "set_saturation": csi.saturation,
        "set_quality": csi.quality,
        "set_colorbar": csi.colorbar,
        "set_auto_gain": setter(csi.auto_gain),
        "set_auto_exposure": setter(csi.auto_exposure),
        "set_auto_whitebal": setter(csi.auto_whitebal),
        "set_auto_blc": setter(csi.auto_blc),
        "set_hmirror": setter(csi.hmirror),
        "set_vflip": setter(csi.vflip),
        "set_transpose": setter(csi.transpose),
        "set_auto_rotation": setter(csi.auto_rotation),
        "set_special_effect": csi.special_effect,
        "set_lens_correction": csi.lens_correction,
        "set_framebuffers": setter(csi.framebuffers),
        "get_framebuffers": lambda: csi.framebuffers(),
    }
    for key, function in functions.items():
        setattr(module, key, function)
    for table in (camera.PIXFORMATS, camera.CHIP_IDS, modcsi.IOCTLS):
        for key, value in table.items():
            setattr(module, key, value)
    for key, (number, _, _) in camera.FRAMESIZES.items():
        setattr(module, key, number)
    module.NORMAL = modcsi.NORMAL
    module.NEGATIVE = modcsi.NEGATIVE
    return module
