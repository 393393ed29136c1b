"""The convviz palette and sizes: one colour per meaning, in every scene.

input cells blue, kernels orange (everywhere a kernel or filter appears), products
light orange, outputs / feature maps green, bias yellow, padded cells grey,
pooling windows pink; the RGB example's channels red, green and blue.
Sizes are chosen so numbers stay readable at 480p (1 Manim unit = 60 pixels).
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
BACKGROUND = ManimColor("#1B1F24")
CHANNELS = (ManimColor("#E74C3C"), ManimColor("#27AE60"), ManimColor("#2E86DE"))
CHANNEL_NAMES = ("red", "green", "blue")

FONT = "DejaVu Sans"
TITLE_SIZE = 30
LABEL_SIZE = 22
CAPTION_SIZE = 20
SMALL_SIZE = 18

# Layout (Manim units; the frame is 14.2 x 8): grids live between CONTENT_BOTTOM and
# CONTENT_TOP, one line of arithmetic sits at SUM_Y, captions below it.
CONTENT_TOP = 3.0
CONTENT_BOTTOM = -2.5
SUM_Y = -2.88

# Pacing (seconds): the first positions step by step, then quick, then the rest at once.
STEP_TIME = 1.0
FAST_TIME = 0.35


def channel_color(c: int):
    """Channel ``c``'s colour: red, green, blue for the first three, then input blue."""
    return CHANNELS[c] if c < len(CHANNELS) else INPUT
