"""Layout (stage 3): the named sizes of the drawing and small path helpers.

All distances are abstract units (1 unit = 1 CSS px at scale 1).  The paper was
drawn on a 10 px grid; wires here sit on a uniform pitch of two grid steps.
"""
from __future__ import annotations

FONT = 11.0  # label font size
SMALL_FONT = 8.5  # badges, stride/dilation marks, bias '+'
PITCH = 20.0  # distance between neighbouring wires of one tuple segment
SEG_GAP = 12.0  # extra distance between tuple segments (the dashed separator sits in it)
WIRE = 1.1  # wire stroke width
TANDEM_WIRE = 0.85  # each of the two strokes of a tandem axis's doubled wire
TANDEM_OFFSETS = (-1.4, 1.4)  # where those strokes lie, above and below the wire's row
THIN = 0.9  # outline stroke width
THICK = 3.2  # view / concat bar width
SEP_WIDTH = 2.2  # tuple separator stroke width (the paper's SVGs: 2 px at 1 px wires)
SEP_DASH = (7.5, 6.0)  # tuple separator dash pattern (the paper's: 7.5/6 at 2 px)
LABEL_GAP = 2.5  # between a wire and the label above it
LABEL_PAD = 4.0  # horizontal room around wire labels in a state column
STATE_MIN_W = 16.0  # narrowest state column that names wires
STATE_BARE_W = 8.0  # narrowest state column naming none (a short level run between two steps)
BEND_MIN = 10.0  # shortest horizontal run of a bend
BEND_MAX = 140.0  # longest horizontal run of a bend
BEND_SLOPE = 0.4  # bend length per unit of vertical travel (keeps crossings at clear angles)
BOX_PAD = 7.0  # box edge beyond its outermost wire
BOX_HPAD = 6.0  # box edge beyond its label
BOX_MIN_W = 22.0
CUT = 5.0  # learned tile: cut-off bottom-left corner
SHADOW = 2.0  # drop shadow offset
EXTRUDE = 5.0  # configured component: depth of the 3-D box
DOT_R = 2.6  # copy / merge / addition dots
ARROW = 6.0  # arrowhead length (element-wise, save/load)
TRI = 14.0  # softmax triangle height
NORM_R = 6.0  # normalisation circle
PENT_H = 14.0  # index pentagon height
PENT_POINT = 6.0  # index pentagon point length
FENCE_PAD = 8.0  # fence beyond its contents
TITLE_GAP = 3.0
ITEM_GAP = PITCH + SEG_GAP  # distance between the last wire of one item and the first of the next
EQ_GAP = 14.0  # around '=' between panels
MARGIN = 6.0  # around the whole drawing
BRACKET_W = 8.0  # repetition parenthesis width
BRACKET_T = 3.6  # its inner curve's offset: about 2.7 thick at its middle, as the paper's bold parentheses
BOUND_FONT = FONT  # a repetition's bounds (N-1, lambda=1): as large as the wire labels


def separator_y(above: float, below: float) -> float:
    """Where the dashed separator between two segments runs: midway between the last wire of the one above and
    the first of the one below, or, when they are further apart than usual (room kept for what the upper one
    grows into), at the usual distance above the lower one."""
    mid, near = (above + below) / 2, below - ITEM_GAP / 2
    return near if near > mid else mid  # max(mid, near), without the call


def bend_length(dy: float) -> float:
    """Horizontal room a bend of vertical travel ``dy`` needs to cross other wires at a clear angle."""
    run = BEND_SLOPE * abs(dy)  # min(BEND_MAX, max(BEND_MIN, run)), without the calls
    run = run if run > BEND_MIN else BEND_MIN
    return run if run < BEND_MAX else BEND_MAX


def wire_path(points: list[tuple[float, float]]) -> tuple:
    """A wire through ``points``: straight where y is level, cubic S-bends with horizontal tangents elsewhere."""
    if not points:
        return ()
    it = iter(points)
    x, y = next(it)
    d = [("M", x, y)]
    for nx, ny in it:
        if -1e-9 < ny - y < 1e-9:  # level (abs() < 1e-9, without the call)
            if nx - x > 1e-9 or nx - x < -1e-9:
                d.append(("L", nx, ny))
        else:
            mx = (x + nx) / 2
            d.append(("C", mx, y, mx, ny, nx, ny))
        x, y = nx, ny
    return tuple(d)


def bezier_y_at(x0, y0, x1, y1, x) -> float:
    """y of the horizontal-tangent S-bend from (x0, y0) to (x1, y1) at abscissa ``x``."""
    if x1 == x0:
        return y1
    # x(t) = x0 + (x1-x0) * (3t^2 - 2t^3)... not exactly: the control points sit at the midpoint,
    # so x(t) = x0 + (x1 - x0) * (1.5t - 1.5t^2 + t^3)... solve numerically (bisection).
    lo, hi = 0.0, 1.0
    for _ in range(30):
        t = (lo + hi) / 2
        xt = x0 + (x1 - x0) * (3 * t * (1 - t) ** 2 * 0.5 + 3 * t * t * (1 - t) * 0.5 + t ** 3)
        if xt < x:
            lo = t
        else:
            hi = t
    t = (lo + hi) / 2
    return y0 + (y1 - y0) * (3 * t * t * (1 - t) + t ** 3)
