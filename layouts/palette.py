"""Colour-blind-safe palette (Okabe-Ito subset that passes contrast on white) in one place.

Text colours reach 4.5:1 on white; graphical colours reach 3:1 (WCAG 1.4.3 / 1.4.11).
"""

RISK_UP = "#B8430A"  # raises risk: dark vermillion, 5.0:1 on white
RISK_DOWN = "#0072B2"  # lowers risk: blue, 5.1:1
GRANTED = "#00735A"  # dark bluish green, 5.9:1
REFUSED = "#B8430A"
GREY_ZONE = "#6B6B6B"  # 5.3:1
NEUTRAL = "#595959"  # 7.0:1, totals and base bars
CLIENT = "#000000"  # the client marker: black star, labelled
TEXT = "#1F1F1F"
GRID = "#8C8C8C"  # axis lines and ticks 3.4:1
DENSITY_SCALE = [[0.0, "#E8F1F8"], [0.25, "#9CC3E0"], [0.5, "#4A90C4"], [0.75, "#0B5C96"], [1.0, "#08306B"]]
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
