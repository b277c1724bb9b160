"""The image module a camera script sees: OpenMV's `image.Image` with what network scripts use
(size and format, the raw bytes, JPEG/PNG encoding, drawing, saving, loading), on Pillow.

An image keeps its pixels as the camera does: RGB565 (2 bytes a pixel, little-endian), 8-bit
grayscale, YUV422, Bayer, or a JPEG/PNG file's bytes. `bytes(img)`, `memoryview(img)` and
`sock.send(img)` read those bytes (the buffer protocol comes from the extension's ImageBuffer).
Decoded pixels are kept beside them in a Pillow image while nobody holds the raw bytes, so
snapshot, draw and compress do not convert back and forth."""

import io
import os
import types

from PIL import Image as _PilImage
from PIL import ImageChops, ImageDraw, ImageFont

from . import _mpsock

# How a script's image files are opened: the host's open() under `mpsock run`; on the virtual
# camera the board's (its flash, and nothing outside it), set when the board makes the module.
_open_file = open

# Pixel formats (csi and sensor export the same values).
BINARY = 1
GRAYSCALE = 2
RGB565 = 3
BAYER = 4
YUV422 = 5
JPEG = 6
PNG = 7

# Image.to_jpeg(subsampling=...): OpenMV's jpeg_subsampling_t values.
JPEG_SUBSAMPLING_AUTO = 0
JPEG_SUBSAMPLING_444 = 0x11
JPEG_SUBSAMPLING_422 = 0x21
JPEG_SUBSAMPLING_420 = 0x22
_PIL_SUBSAMPLING = {JPEG_SUBSAMPLING_444: 0, JPEG_SUBSAMPLING_422: 1, JPEG_SUBSAMPLING_420: 2}

# Hint flags: the scaling, mirroring and rotation ones are honoured; the others are accepted.
AREA = 1 << 0
BILINEAR = 1 << 1
BICUBIC = 1 << 2
CENTER = 1 << 7
HMIRROR = 1 << 8
VFLIP = 1 << 9
TRANSPOSE = 1 << 10
EXTRACT_RGB_CHANNEL_FIRST = 1 << 11
APPLY_COLOR_PALETTE_FIRST = 1 << 12
SCALE_ASPECT_KEEP = 1 << 13
SCALE_ASPECT_EXPAND = 1 << 14
SCALE_ASPECT_IGNORE = 1 << 15
BLACK_BACKGROUND = 1 << 31
ROTATE_90 = VFLIP | TRANSPOSE
ROTATE_180 = HMIRROR | VFLIP
ROTATE_270 = HMIRROR | TRANSPOSE

_BYTES_PER_PIXEL = {GRAYSCALE: 1, RGB565: 2, YUV422: 2, BAYER: 1}
_COMPRESSED = (JPEG, PNG)
_FORMAT_NAMES = {GRAYSCALE: "grayscale", RGB565: "rgb565", BAYER: "bayer", YUV422: "yuv422", JPEG: "jpeg",
                 PNG: "png", BINARY: "binary"}
_WHITE = (255, 255, 255)


def _not_emulated(what):
    return OSError("mpsock: %s is not emulated (RGB565, GRAYSCALE, YUV422, BAYER, JPEG and PNG are)" % what)


# ---- Raw pixel layouts <-> Pillow ----


def _rgb565_bytes(rgb):
    """RGB565 little-endian bytes of a Pillow RGB image (Pillow unpacks this layout as
    'BGR;16' but has no packer for it). The two parts of each byte hold disjoint bits, so
    adding them is an OR."""
    red, green, blue = rgb.split()
    out = bytearray(rgb.width * rgb.height * 2)
    out[0::2] = ImageChops.add(green.point(_LOW_GREEN), blue.point(_LOW_BLUE)).tobytes()
    out[1::2] = ImageChops.add(red.point(_HIGH_RED), green.point(_HIGH_GREEN)).tobytes()
    return out


_LOW_GREEN = [(g << 3) & 0xE0 for g in range(256)]
_LOW_BLUE = [b >> 3 for b in range(256)]
_HIGH_RED = [r & 0xF8 for r in range(256)]
_HIGH_GREEN = [g >> 5 for g in range(256)]


def _yuv422_bytes(rgb):
    """Y0 U Y1 V ... (OpenMV's YUV422 layout: two pixels share one U and one V)."""
    y, cb, cr = (band.tobytes() for band in rgb.convert("YCbCr").split())
    out = bytearray(len(y) * 2)
    out[0::4] = y[0::2]
    out[2::4] = y[1::2]
    out[1::4] = cb[0::2]
    out[3::4] = cr[0::2][: len(out[3::4])]
    return out


def _chroma_plane(samples, count):
    """One chroma byte per pixel from one per pair of pixels."""
    plane = bytearray(count)
    evens = len(plane[0::2])
    samples = bytes(samples) + bytes(samples[-1:]) * (evens - len(samples))
    plane[0::2] = samples[:evens]
    plane[1::2] = samples[: len(plane[1::2])]
    return bytes(plane)


def _bayer_bytes(rgb):
    """An RGGB mosaic: R G R G ... on even rows, G B G B ... on odd rows."""
    width, height = rgb.size
    red, green, blue = (band.tobytes() for band in rgb.split())
    out = bytearray(green)
    for row in range(0, height, 2):
        start = row * width
        out[start : start + width : 2] = red[start : start + width : 2]
        if row + 1 < height:
            odd = start + width
            out[odd + 1 : odd + width : 2] = blue[odd + 1 : odd + width : 2]
    return out


def _from_raw(raw, width, height, pixformat):
    """A Pillow image of raw camera bytes."""
    if pixformat == RGB565:
        return _PilImage.frombuffer("RGB", (width, height), bytes(raw), "raw", "BGR;16", 0, 1)
    if pixformat == GRAYSCALE:
        return _PilImage.frombuffer("L", (width, height), bytes(raw), "raw", "L", 0, 1)
    if pixformat == YUV422:
        data = bytes(raw)
        count = width * height
        size = (width, height)
        y = _PilImage.frombuffer("L", size, data[0::2], "raw", "L", 0, 1)
        cb = _PilImage.frombuffer("L", size, _chroma_plane(data[1::4], count), "raw", "L", 0, 1)
        cr = _PilImage.frombuffer("L", size, _chroma_plane(data[3::4], count), "raw", "L", 0, 1)
        return _PilImage.merge("YCbCr", (y, cb, cr)).convert("RGB")
    if pixformat == BAYER:
        data = bytes(raw)
        if width < 2 or height < 2:
            gray = _PilImage.frombuffer("L", (width, height), data, "raw", "L", 0, 1)
            return gray.convert("RGB")
        # One RGB pixel per 2x2 cell, scaled back up: a plain demosaic, enough to look at.
        cells = (width // 2, height // 2)
        red = bytearray()
        green = bytearray()
        blue = bytearray()
        for row in range(0, cells[1] * 2, 2):
            even = data[row * width : row * width + cells[0] * 2]
            odd = data[(row + 1) * width : (row + 1) * width + cells[0] * 2]
            red += even[0::2]
            green += even[1::2]
            blue += odd[1::2]
        bands = [_PilImage.frombuffer("L", cells, bytes(b), "raw", "L", 0, 1) for b in (red, green, blue)]
        return _PilImage.merge("RGB", bands).resize((width, height), _PilImage.BILINEAR)
    raise _not_emulated(_FORMAT_NAMES.get(pixformat, "this pixel format"))


def _to_raw(pil, pixformat):
    if pixformat == RGB565:
        return _rgb565_bytes(pil.convert("RGB"))
    if pixformat == GRAYSCALE:
        return bytearray(pil.convert("L").tobytes())
    if pixformat == YUV422:
        return _yuv422_bytes(pil.convert("RGB"))
    if pixformat == BAYER:
        return _bayer_bytes(pil.convert("RGB"))
    raise _not_emulated(_FORMAT_NAMES.get(pixformat, "this pixel format"))


def _pil_mode(pixformat):
    return "L" if pixformat == GRAYSCALE else "RGB"


def _subsampling(subsampling, quality):
    if subsampling == JPEG_SUBSAMPLING_AUTO:
        # OpenMV's choice by quality: more colour detail as the quality goes up.
        if quality <= 35:
            return 2
        return 1 if quality <= 60 else 0
    if subsampling not in _PIL_SUBSAMPLING:
        raise ValueError("invalid subsampling")
    return _PIL_SUBSAMPLING[subsampling]


def encode_jpeg(pil, quality=90, subsampling=JPEG_SUBSAMPLING_AUTO):
    """The bytes of a baseline JPEG file of a Pillow image (libjpeg through Pillow)."""
    quality = _check_int(quality, "quality")
    if not 0 <= quality <= 100:
        raise ValueError("quality must be 0-100")
    out = io.BytesIO()
    if pil.mode not in ("L", "RGB"):
        pil = pil.convert("RGB")
    options = {"quality": max(1, quality)}
    if pil.mode == "RGB":
        options["subsampling"] = _subsampling(subsampling, quality)
    pil.save(out, "JPEG", **options)
    return out.getvalue()


def _check_int(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("can't convert %s to int" % type(value).__name__)
    return value


# ---- Colours and fonts ----


def _color(value, pixformat):
    """A colour argument (an (r, g, b) tuple, or a pixel value of the image's format) as
    Pillow takes it for the image's mode."""
    if value is None:
        value = _WHITE
    if isinstance(value, (tuple, list)):
        if len(value) != 3:
            raise ValueError("color must be an (r, g, b) tuple")
        r, g, b = (max(0, min(255, int(c))) for c in value)
        if pixformat == GRAYSCALE:
            return (r * 299 + g * 587 + b * 114) // 1000
        return (r, g, b)
    value = _check_int(value, "color")
    if pixformat == GRAYSCALE:
        return max(0, min(255, value))
    value &= 0xFFFF  # an RGB565 pixel value
    r = (value >> 11) & 0x1F
    g = (value >> 5) & 0x3F
    b = value & 0x1F
    return ((r * 255 + 15) // 31, (g * 255 + 31) // 63, (b * 255 + 15) // 31)


_fonts = {}


def _font(scale):
    # OpenMV's built-in font is about 8x10 pixels, times `scale`.
    size = max(1, int(round(10 * scale)))
    font = _fonts.get(size)
    if font is None:
        try:
            font = ImageFont.load_default(size=size)
        except TypeError:  # Pillow before 10.1: one bitmap size only
            font = ImageFont.load_default()
        _fonts[size] = font
    return font


def draw_text(pil, x, y, text, fill, scale=1.0):
    ImageDraw.Draw(pil).text((x, y), text, fill=fill, font=_font(scale))


def _rect_args(args, what):
    """(x, y, w, h) from four numbers or one tuple, as OpenMV's draw methods take them."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if len(args) != 4:
        raise TypeError("%s takes (x, y, w, h) or a 4-tuple" % what)
    return tuple(int(v) for v in args)


def _point_args(args, what):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if len(args) != 2:
        raise TypeError("%s takes (x, y) or a 2-tuple" % what)
    return tuple(int(v) for v in args)


# ---- The Image ----


class Image(_mpsock.ImageBuffer):
    """image.Image(path), image.Image(width, height, pixformat, buffer=...), or what
    snapshot() and the conversions return."""

    def __init__(self, arg, height=-1, pixformat=-1, *, buffer=None, copy_to_fb=False):
        super().__init__()
        self._raw = None  # camera-layout bytes (a bytearray), or None while only _pil is current
        self._pil = None  # decoded pixels, or None while only _raw is current
        self._shared = False  # _raw was handed out: it is the truth, and may change under us
        if isinstance(arg, str):
            self._load(arg)
            return
        width = _check_int(arg, "width")
        height = _check_int(height, "height")
        pixformat = _check_int(pixformat, "pixformat")
        if width <= 0 or height <= 0:
            raise ValueError("width and height must be positive")
        self._width, self._height, self._format = width, height, pixformat
        if pixformat in _COMPRESSED:
            if buffer is None:
                raise ValueError("a compressed image needs a buffer")
            self._raw = bytearray(buffer)
        elif pixformat in _BYTES_PER_PIXEL:
            size = width * height * _BYTES_PER_PIXEL[pixformat]
            if buffer is not None:
                data = bytes(buffer)
                if len(data) < size:
                    raise ValueError("buffer is too small for the image")
                self._raw = bytearray(data[:size])
            else:
                self._raw = bytearray(size)
        else:
            raise _not_emulated(_FORMAT_NAMES.get(pixformat, "pixel format %d" % pixformat))

    @classmethod
    def _of_pil(cls, pil, pixformat):
        """An image whose pixels are a Pillow image (a snapshot, a conversion)."""
        image = cls.__new__(cls)
        _mpsock.ImageBuffer.__init__(image)
        image._raw = None
        image._pil = pil
        image._shared = False
        image._width, image._height = pil.size
        image._format = pixformat
        return image

    @classmethod
    def _of_encoded(cls, data, width, height, pixformat):
        image = cls.__new__(cls)
        _mpsock.ImageBuffer.__init__(image)
        image._raw = bytearray(data)
        image._pil = None
        image._shared = False
        image._width, image._height, image._format = width, height, pixformat
        return image

    def _load(self, path):
        try:
            with _open_file(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            if isinstance(error, FileNotFoundError) or error.errno == 2 or error.args[:1] == (2,):
                raise OSError(2) from None
            raise
        try:
            with _PilImage.open(io.BytesIO(data)) as opened:
                kind = opened.format
                opened.load()
                pil = opened
        except OSError as error:
            raise OSError("mpsock: can't read image file %r (%s)" % (path, error)) from None
        self._width, self._height = pil.size
        if kind == "JPEG":
            self._raw = bytearray(data)
            self._format = JPEG
            return
        self._format = GRAYSCALE if pil.mode in ("L", "1", "I", "I;16") else RGB565
        self._pil = pil.convert(_pil_mode(self._format))

    # -- The pixels, both ways --

    def _pixels(self):
        """The pixels as a Pillow image (decoding a JPEG or PNG)."""
        if self._pil is not None:
            return self._pil
        if self._format in _COMPRESSED:
            decoded = _PilImage.open(io.BytesIO(bytes(self._raw)))
            decoded.load()
            return decoded.convert("L" if decoded.mode == "L" else "RGB")
        pil = _from_raw(self._raw, self._width, self._height, self._format)
        if not self._shared:
            self._pil = pil
        return pil

    def _set_pixels(self, pil):
        """New pixels of the same size and format (after drawing)."""
        if self._format in _COMPRESSED:
            raise OSError("mpsock: drawing on a compressed image is not supported; draw before to_jpeg()")
        if self._shared:
            # Whoever holds bytearray() or a memoryview sees the change, as on the camera.
            self._raw[:] = _to_raw(pil, self._format)
            return
        self._pil = pil
        self._raw = None

    def _export(self):
        """The camera-layout bytes, for the buffer protocol and bytearray()."""
        if self._raw is None:
            self._raw = _to_raw(self._pil, self._format)
        if self._format not in _COMPRESSED:
            self._shared = True
            self._pil = None
        return self._raw

    def _drawable(self):
        pil = self._pixels()
        return pil if self._shared or pil is self._pil else pil.copy()

    # -- Basic methods --

    def width(self):
        return self._width

    def height(self):
        return self._height

    def format(self):
        return self._format

    def size(self):
        if self._format in _COMPRESSED:
            return len(self._raw)
        return self._width * self._height * _BYTES_PER_PIXEL[self._format]

    def bytearray(self):
        return self._export()

    def to_bytes(self):
        # A copy of the image's bytes (for a JPEG image, the JPEG file), as scripts pass it to
        # uart.write or a socket after compress().
        return bytes(self._export())

    def __len__(self):
        if self._format in _COMPRESSED:
            return len(self._raw)
        return self._width * self._height

    def __getitem__(self, index):
        if self._format in _COMPRESSED:
            return self._raw[index]
        index = _check_int(index, "index")
        if not 0 <= index < self._width * self._height:
            raise IndexError("index out of range")
        return self._pixel_value(index % self._width, index // self._width)

    def __setitem__(self, index, value):
        if self._format in _COMPRESSED:
            self._raw[index] = value
            return
        index = _check_int(index, "index")
        if not 0 <= index < self._width * self._height:
            raise IndexError("index out of range")
        self.set_pixel(index % self._width, index // self._width, value)

    def _pixel_value(self, x, y):
        raw = self._export()
        bpp = _BYTES_PER_PIXEL[self._format]
        offset = (y * self._width + x) * bpp
        return raw[offset] if bpp == 1 else raw[offset] | (raw[offset + 1] << 8)

    def get_pixel(self, x, y=None, rgbtuple=None):
        x, y = _point_args((x,) if y is None else (x, y), "get_pixel")
        if self._format in _COMPRESSED:
            raise OSError("mpsock: get_pixel is not supported on compressed images")
        if not (0 <= x < self._width and 0 <= y < self._height):
            return None
        if rgbtuple is None:
            rgbtuple = self._format == RGB565
        if rgbtuple:
            pixel = self._pixels().getpixel((x, y))
            return (pixel, pixel, pixel) if isinstance(pixel, int) else tuple(pixel)
        if self._format in (RGB565, GRAYSCALE):
            return self._pixel_value(x, y)
        return self._pixels().convert("L").getpixel((x, y))

    def set_pixel(self, x, y, pixel=None):
        if pixel is None:  # set_pixel((x, y), pixel)
            (x, y), pixel = _point_args((x,), "set_pixel"), y
        if 0 <= x < self._width and 0 <= y < self._height:
            pil = self._drawable()
            pil.putpixel((int(x), int(y)), _color(pixel, self._format))
            self._set_pixels(pil)
        return self

    # -- Conversions --

    def _converted(self, pil, roi, x_scale, y_scale, hint):
        if roi is not None:
            x, y, w, h = _rect_args((roi,), "roi")
            pil = pil.crop((x, y, x + w, y + h))
        if y_scale is None:
            y_scale = x_scale
        if x_scale != 1.0 or y_scale != 1.0:
            width = max(1, int(round(pil.width * abs(x_scale))))
            height = max(1, int(round(pil.height * abs(y_scale))))
            method = _PilImage.NEAREST
            if hint & BICUBIC:
                method = _PilImage.BICUBIC
            elif hint & BILINEAR:
                method = _PilImage.BILINEAR
            elif hint & AREA:
                method = _PilImage.BOX
            pil = pil.resize((width, height), method)
            if x_scale < 0:
                hint ^= HMIRROR
            if y_scale < 0:
                hint ^= VFLIP
        if hint & HMIRROR:
            pil = pil.transpose(_PilImage.FLIP_LEFT_RIGHT)
        if hint & VFLIP:
            pil = pil.transpose(_PilImage.FLIP_TOP_BOTTOM)
        if hint & TRANSPOSE:
            pil = pil.transpose(_PilImage.TRANSPOSE)
        return pil

    def _become(self, other):
        """Converted in place (copy=False): this object takes the other's pixels. A memoryview
        taken before keeps the old bytes."""
        self._raw, self._pil, self._shared = other._raw, other._pil, False
        self._width, self._height, self._format = other._width, other._height, other._format
        return self

    def to_jpeg(self, x_scale=1.0, y_scale=None, roi=None, hint=0, copy=False, copy_to_fb=False, quality=90,
                subsampling=JPEG_SUBSAMPLING_AUTO, encode_for_ide=False):
        if encode_for_ide:
            raise _not_emulated("encode_for_ide")
        if self._format == JPEG and roi is None and x_scale == 1.0 and y_scale in (None, 1.0) and not hint:
            jpeg = Image._of_encoded(bytes(self._raw), self._width, self._height, JPEG)
        else:
            pil = self._converted(self._pixels(), roi, x_scale, y_scale, hint)
            jpeg = Image._of_encoded(encode_jpeg(pil, quality, subsampling), pil.width, pil.height, JPEG)
        return jpeg if copy else self._become(jpeg)

    compress = to_jpeg

    def compressed(self, quality=90, subsampling=JPEG_SUBSAMPLING_AUTO, **options):
        """The older API: a JPEG copy, the image itself unchanged."""
        options["copy"] = True
        return self.to_jpeg(quality=quality, subsampling=subsampling, **options)

    def to_png(self, x_scale=1.0, y_scale=None, roi=None, hint=0, copy=False, copy_to_fb=False):
        pil = self._converted(self._pixels(), roi, x_scale, y_scale, hint)
        out = io.BytesIO()
        pil.save(out, "PNG")
        png = Image._of_encoded(out.getvalue(), pil.width, pil.height, PNG)
        return png if copy else self._become(png)

    def _to_format(self, pixformat, x_scale, y_scale, roi, hint, copy):
        pil = self._converted(self._pixels(), roi, x_scale, y_scale, hint).convert(_pil_mode(pixformat))
        converted = Image._of_pil(pil, pixformat)
        return converted if copy else self._become(converted)

    def to_grayscale(self, x_scale=1.0, y_scale=None, roi=None, hint=0, copy=False, copy_to_fb=False):
        return self._to_format(GRAYSCALE, x_scale, y_scale, roi, hint, copy)

    def to_rgb565(self, x_scale=1.0, y_scale=None, roi=None, hint=0, copy=False, copy_to_fb=False):
        return self._to_format(RGB565, x_scale, y_scale, roi, hint, copy)

    def copy(self, x_scale=1.0, y_scale=None, roi=None, hint=0, copy_to_fb=False):
        if self._format in _COMPRESSED and roi is None and x_scale == 1.0 and y_scale in (None, 1.0) and not hint:
            return Image._of_encoded(bytes(self._raw), self._width, self._height, self._format)
        pil = self._converted(self._pixels(), roi, x_scale, y_scale, hint)
        pixformat = RGB565 if self._format in _COMPRESSED and pil.mode == "RGB" else self._format
        if self._format in _COMPRESSED and pil.mode == "L":
            pixformat = GRAYSCALE
        return Image._of_pil(pil.copy(), pixformat)

    def crop(self, x_scale=1.0, y_scale=None, roi=None, hint=0, copy=False, copy_to_fb=False):
        return self._to_format(self._format if self._format not in _COMPRESSED else RGB565, x_scale, y_scale,
                               roi, hint, copy)

    scale = crop

    # -- Drawing (returns the image, as OpenMV's do) --

    def draw_string(self, x, y, text, color=None, scale=1.0, x_spacing=0, y_spacing=0, mono_space=True,
                    char_rotation=0, char_hmirror=False, char_vflip=False, string_rotation=0,
                    string_hmirror=False, string_vflip=False):
        pil = self._drawable()
        draw_text(pil, int(x), int(y), str(text), _color(color, self._format), scale)
        self._set_pixels(pil)
        return self

    def draw_rectangle(self, *args, color=None, thickness=1, fill=False):
        colour = None
        if len(args) == 5 or (len(args) == 2 and isinstance(args[0], (tuple, list))):
            *args, colour = args
        x, y, w, h = _rect_args(tuple(args), "draw_rectangle")
        fill_colour = _color(color if colour is None else colour, self._format)
        pil = self._drawable()
        if w > 0 and h > 0:
            box = (x, y, x + w - 1, y + h - 1)
            if fill:
                ImageDraw.Draw(pil).rectangle(box, fill=fill_colour)
            else:
                ImageDraw.Draw(pil).rectangle(box, outline=fill_colour, width=max(1, int(thickness)))
        self._set_pixels(pil)
        return self

    def draw_cross(self, *args, color=None, size=5, thickness=1):
        colour = None
        if len(args) == 3 or (len(args) == 2 and isinstance(args[0], (tuple, list))):
            *args, colour = args
        x, y = _point_args(tuple(args), "draw_cross")
        fill_colour = _color(color if colour is None else colour, self._format)
        pil = self._drawable()
        draw = ImageDraw.Draw(pil)
        width = max(1, int(thickness))
        draw.line((x - size, y, x + size, y), fill=fill_colour, width=width)
        draw.line((x, y - size, x, y + size), fill=fill_colour, width=width)
        self._set_pixels(pil)
        return self

    def draw_line(self, *args, color=None, thickness=1):
        colour = None
        if len(args) == 5 or (len(args) == 2 and isinstance(args[0], (tuple, list))):
            *args, colour = args
        x0, y0, x1, y1 = _rect_args(tuple(args), "draw_line")
        pil = self._drawable()
        ImageDraw.Draw(pil).line((x0, y0, x1, y1), fill=_color(color if colour is None else colour, self._format),
                                 width=max(1, int(thickness)))
        self._set_pixels(pil)
        return self

    def draw_circle(self, *args, color=None, thickness=1, fill=False):
        colour = None
        if len(args) == 4 or (len(args) == 2 and isinstance(args[0], (tuple, list))):
            *args, colour = args
        if len(args) == 1 and isinstance(args[0], (tuple, list)):
            args = tuple(args[0])
        if len(args) != 3:
            raise TypeError("draw_circle takes (x, y, radius) or a 3-tuple")
        x, y, r = (int(v) for v in args)
        fill_colour = _color(color if colour is None else colour, self._format)
        pil = self._drawable()
        box = (x - r, y - r, x + r, y + r)
        if fill:
            ImageDraw.Draw(pil).ellipse(box, fill=fill_colour)
        else:
            ImageDraw.Draw(pil).ellipse(box, outline=fill_colour, width=max(1, int(thickness)))
        self._set_pixels(pil)
        return self

    def clear(self):
        pil = self._drawable()
        pil.paste(0, (0, 0, pil.width, pil.height))
        self._set_pixels(pil)
        return self

    # -- Files --

    def save(self, path, roi=None, quality=50):
        path = str(path)
        extension = os.path.splitext(path)[1].lower()
        if extension in (".jpg", ".jpeg"):
            if self._format == JPEG and roi is None:
                data = bytes(self._raw)
            else:
                pil = self._converted(self._pixels(), roi, 1.0, None, 0)
                data = encode_jpeg(pil, quality)
            with _open_file(path, "wb") as handle:
                handle.write(data)
            return self
        kinds = {".bmp": "BMP", ".png": "PNG", ".pgm": "PPM", ".ppm": "PPM"}
        if extension not in kinds:
            raise ValueError("mpsock: can't tell the image format from %r (use .jpg, .bmp, .png, .pgm, .ppm)"
                             % path)
        pil = self._converted(self._pixels(), roi, 1.0, None, 0)
        if extension == ".pgm":
            pil = pil.convert("L")
        elif extension == ".ppm":
            pil = pil.convert("RGB")
        encoded = io.BytesIO()
        pil.save(encoded, kinds[extension])
        with _open_file(path, "wb") as handle:
            handle.write(encoded.getvalue())
        return self

    def __repr__(self):
        return '{"w":%d, "h":%d, "type":"%s", "size":%d}' % (
            self._width, self._height, _FORMAT_NAMES.get(self._format, "?"), self.size())


def make_module(name="image", open_file=None):
    """`open_file`: the board's open() for image files (the virtual camera's flash)."""
    global _open_file
    if open_file is not None:
        _open_file = open_file
    module = types.ModuleType(name)
    module.Image = Image
    for key, value in list(globals().items()):
        if key.isupper() and not key.startswith("_") and isinstance(value, int):
            setattr(module, key, value)
    return module
