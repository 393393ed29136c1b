"""The convviz palette and sizes: one colour per meaning, in every scene.

input cells blue, kernels orange (everywhere a kernel or filter appears), products
light orange, outputs / feature maps green, bias yellow, padded cells grey,
pooling windows pink; the RGB example's channels red, green and blue. Learned
weights use the figures' diverging map (red positive, blue negative) and feature
maps their activation map, so a video and a figure of the same thing look alike.

Sizes are for the tour's 1280x720 frame: 8 Manim units are 720 px, so 1 unit is
90 px, and a digit of DejaVu Sans is 0.73 of the font size, i.e. 0.95 px per point.
No text is set below MIN_SIZE (a 14.7 px digit); ``tests/test_scene_layout.py``
checks every text of every scene against 14 px.
"""
from manim import ManimColor

INPUT = ManimColor("#3A7BD5")
KERNEL = ManimColor("#F39C12")
PRODUCT = ManimColor("#F8C471")
OUTPUT = ManimColor("#2ECC71")
BIAS = ManimColor("#F4D03F")
PADDING = ManimColor("#7F8C8D")
POOL = ManimColor("#E84393")
TEXT = ManimColor("#ECF0F1")
MUTED = ManimColor("#AEB6BF")
DARK_TEXT = ManimColor("#1B1F24")
BACKGROUND = ManimColor("#1B1F24")
CHANNELS = (ManimColor("#E74C3C"), ManimColor("#27AE60"), ManimColor("#2E86DE"))
CHANNEL_NAMES = ("red", "green", "blue")
WEIGHT_CMAP = "RdBu_r"          # as convviz.plot.WEIGHT_CMAP: red positive, blue negative
ACTIVATION_CMAP = "viridis"     # as convviz.plot.ACTIVATION_CMAP

FONT = "DejaVu Sans"
TITLE_SIZE = 32                 # 30 px digits at 720p
LABEL_SIZE = 24                 # 23 px
SUBTITLE_SIZE = 22              # 21 px
SMALL_SIZE = 20                 # 19 px
WEIGHT_SIZE = 16                # 15 px: the kernel weights written on a window's cells
MIN_SIZE = 15.5                 # 14.7 px: the smallest any text may be shrunk to

# Layout (Manim units; the frame is 14.2 x 8, y from -4 to 4). The title and a
# muted subtitle sit at the top, grids between CONTENT_TOP and CONTENT_BOTTOM, one
# line of arithmetic (or the takeaway) at SUM_Y. Nothing is put below SAFE_BOTTOM:
# a browser's video controls cover the bottom 15 % of a paused video, so any paused
# frame, the poster above all, keeps every word visible.
TITLE_BUFF = 0.25
SUBTITLE_TOP = 3.28
CONTENT_TOP = 2.8
CONTENT_BOTTOM = -2.0
SUM_Y = -2.42
SAFE_BOTTOM = -2.8
WIDTH = 13.6                    # the widest a line of text may be

# Pacing (seconds): the first positions step by step, then quick, then the rest at once.
STEP_TIME = 1.0
FAST_TIME = 0.35


def channel_color(c: int):
    """Channel ``c``'s colour: red, green, blue for the first three, then input blue."""
    return CHANNELS[c] if c < len(CHANNELS) else INPUT
