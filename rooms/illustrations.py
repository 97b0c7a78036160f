"""Drawn illustrations of each room type for the demo rooms: flat shapes made here with Pillow
(clearly a drawing, never a photo; the listing photos of ../shared/data are never shipped)."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

W, H = 800, 600
WALL, FLOOR, WOOD, WINDOW, SKY, LINEN, INK = (236, 226, 208), (196, 160, 118), (150, 104, 66), (250, 250, 246), \
    (170, 208, 238), (247, 247, 250), (70, 74, 84)


def _room(draw: ImageDraw.ImageDraw, wall=WALL, floor=FLOOR) -> None:
    draw.rectangle([0, 0, W, int(H * 0.68)], fill=wall)
    draw.polygon([(0, int(H * 0.68)), (W, int(H * 0.68)), (W, H), (0, H)], fill=floor)
    for x in range(0, W, 80):                                   # floor boards
        draw.line([(x, int(H * 0.68)), (x - 60, H)], fill=(176, 140, 100), width=2)


def _window(draw, x, y, w, h) -> None:
    draw.rectangle([x, y, x + w, y + h], fill=WINDOW)
    draw.rectangle([x + 10, y + 10, x + w - 10, y + h - 10], fill=SKY)
    draw.line([(x + w // 2, y + 10), (x + w // 2, y + h - 10)], fill=WINDOW, width=8)
    draw.ellipse([x + w - 70, y + 25, x + w - 30, y + 65], fill=(255, 236, 160))   # the sun


def _bed(draw, x, y, w=300, h=110) -> None:
    draw.rectangle([x, y, x + w, y + h], fill=WOOD)
    draw.rectangle([x + 8, y - 30, x + w - 8, y + 20], fill=LINEN)
    draw.rounded_rectangle([x + 18, y - 55, x + 110, y - 20], radius=14, fill=(255, 255, 255))
    draw.rectangle([x - 10, y - 120, x + 12, y + h], fill=WOOD)                       # headboard


def _air_conditioner(draw, x, y) -> None:
    draw.rounded_rectangle([x, y, x + 170, y + 55], radius=10, fill=(252, 252, 252), outline=(200, 200, 205), width=3)
    draw.line([(x + 15, y + 40), (x + 155, y + 40)], fill=(190, 190, 196), width=3)


def _phong_tro(draw) -> None:
    _room(draw)
    _window(draw, 470, 90, 220, 190)
    _air_conditioner(draw, 120, 60)
    draw.rectangle([40, 160, 420, 190], fill=WOOD)                                    # the loft's edge
    draw.rectangle([40, 40, 60, 190], fill=WOOD)
    _bed(draw, 90, 380)
    draw.rectangle([560, 330, 720, 420], fill=WOOD)                                   # desk
    draw.rectangle([575, 420, 590, 500], fill=WOOD)
    draw.rectangle([690, 420, 705, 500], fill=WOOD)


def _can_ho_mini(draw) -> None:
    _room(draw, wall=(228, 234, 238), floor=(210, 190, 160))
    draw.rectangle([450, 60, 760, 400], fill=WINDOW)                                  # balcony door
    draw.rectangle([465, 75, 745, 385], fill=SKY)
    for x in range(470, 745, 30):                                                     # balcony railing
        draw.line([(x, 300), (x, 385)], fill=(120, 126, 136), width=4)
    draw.line([(465, 300), (745, 300)], fill=(120, 126, 136), width=6)
    draw.rounded_rectangle([60, 330, 380, 450], radius=18, fill=(120, 150, 170))      # sofa
    draw.rounded_rectangle([60, 290, 380, 350], radius=18, fill=(104, 134, 156))
    draw.rectangle([120, 120, 330, 240], fill=INK)                                    # television
    draw.rectangle([200, 240, 250, 260], fill=INK)
    draw.rectangle([80, 470, 360, 490], fill=WOOD)


def _nha_nguyen_can(draw) -> None:
    draw.rectangle([0, 0, W, H], fill=SKY)
    draw.rectangle([0, 470, W, H], fill=(140, 180, 110))                              # a yard
    draw.rectangle([170, 220, 630, 480], fill=(240, 222, 196))                        # a whole house
    draw.polygon([(140, 230), (400, 70), (660, 230)], fill=(178, 80, 60))
    draw.rectangle([360, 340, 440, 480], fill=WOOD)
    _window(draw, 210, 270, 110, 100)
    _window(draw, 480, 270, 110, 100)


def _o_ghep(draw) -> None:
    _room(draw, wall=(232, 230, 240))
    for row, y in enumerate((120, 320)):                                              # sleepbox bunks
        for col, x in enumerate((50, 290, 530)):
            draw.rounded_rectangle([x, y, x + 220, y + 160], radius=12, fill=(250, 250, 252),
                                   outline=(150, 150, 170), width=4)
            draw.rectangle([x + 12, y + 100, x + 208, y + 148], fill=LINEN)
            draw.rectangle([x + 150, y + 20, x + 200, y + 90], fill=(210, 220, 235 - 10 * (row + col)))  # curtain


DRAW = {"phong_tro": _phong_tro, "can_ho_mini": _can_ho_mini, "nha_nguyen_can": _nha_nguyen_can, "o_ghep": _o_ghep}


def illustration(room_type: str) -> bytes:
    """A JPEG drawing of a room of ``room_type`` (800x600)."""
    image = Image.new("RGB", (W, H), WALL)
    DRAW.get(room_type, _phong_tro)(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()
