"""A chart in a Teams Adaptive Card: an `Image` element whose URL is the PNG itself (a data URL).

Teams shows data-URL images in cards sent by a bot, so nothing has to be hosted; the charts are palette
PNGs of about 12 KB (bot/charts.py), which keeps the card well under Teams' message size limit. A hosted
URL can be passed instead for bigger pictures. The alt text is the same figures as a sentence.
"""

from __future__ import annotations

import base64
from typing import Any

ALT_MAX = 2000


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def chart_image_element(png: bytes, alt: str, *, url: str | None = None) -> dict[str, Any]:
    """An Adaptive Card (1.5) Image element showing the chart across the card's width."""
    return {"type": "Image", "url": url or data_url(png), "altText": alt[:ALT_MAX], "size": "Stretch"}
