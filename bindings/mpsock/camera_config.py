"""The camera settings of a run (`mpsock run --frames/--seed/--frame-timing`), kept apart from
the camera itself so a script that takes no pictures never loads the image library."""

import threading

_lock = threading.Lock()
_settings = {"frames": None, "seed": 1, "timing": True}
_source = None


def configure(frames=None, seed=1, timing=True):
    """Where frames come from and whether they are paced. A --frames source is opened now, so
    a bad path fails before the script starts (framesource.FrameSourceError, a ValueError)."""
    global _source
    source = None
    if frames:
        from . import framesource

        source = framesource.open_source(frames, seed)
    with _lock:
        _settings.update(frames=frames, seed=seed, timing=bool(timing))
        _source = source


def frame_source():
    """The run's frame source (the test pattern unless --frames named files)."""
    global _source
    with _lock:
        if _source is None:
            from . import framesource

            _source = framesource.open_source(_settings["frames"], _settings["seed"])
        return _source


def timing_enabled():
    return _settings["timing"]
