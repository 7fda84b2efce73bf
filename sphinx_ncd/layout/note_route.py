"""Layout (stage 3): a bent leader, for a note no straight leader can reach.

When the notes of a row fill every slot a straight leader could reach (several wide notes on one value in a
narrow fold), :func:`.note_slots.place_note` puts the note under everything and this module finds its leader:
the cheapest path over a grid of :data:`STEP`-unit cells from its target to its note, round the labels,
glyphs and other notes (never through them) and over as few wires as it can (a wire's cells cost
:data:`WIRE_STEP` more), in eight directions, straightened to its corners.
"""
from __future__ import annotations

import heapq
import math
from itertools import pairwise

__all__ = ["STEP", "WIRE_STEP", "route"]

STEP = 2.0  # grid step (units)
HARD_PAD = 1.5  # room kept from a label, glyph or note
WIRE_STEP = 8.0  # what entering a wire's cell costs beyond the step
MARGIN = 6  # cells of room round everything drawn


def _cells(box, x0, y0, nx, ny, pad):
    i0, i1 = max(0, int((box[0] - pad - x0) // STEP)), min(nx - 1, int((box[2] + pad - x0) // STEP))
    j0, j1 = max(0, int((box[1] - pad - y0) // STEP)), min(ny - 1, int((box[3] + pad - y0) // STEP))
    return i0, i1, j0, j1


def route(target, box, hard, lines, area) -> list | None:
    """The points of a leader from ``target`` to the note's ``box`` (both boxes) that enters none of the
    ``hard`` boxes and crosses few of the ``lines`` (each a list of ``(p, q)`` chords), within ``area`` (grown
    by :data:`MARGIN` cells); None when there is none."""
    x0, y0 = area[0] - MARGIN * STEP, area[1] - MARGIN * STEP
    nx = int((area[2] - area[0]) / STEP) + 2 * MARGIN + 1
    ny = int((area[3] - area[1]) / STEP) + 2 * MARGIN + 1
    cost = bytearray(nx * ny)  # 0 free, 1 a wire's, 2 not to be entered
    for chords in lines:
        for p, q in chords:
            n = max(1, math.ceil(math.hypot(q[0] - p[0], q[1] - p[1]) / STEP))
            for k in range(n + 1):
                i, j = int((p[0] + (q[0] - p[0]) * k / n - x0) // STEP), int((p[1] + (q[1] - p[1]) * k / n - y0) // STEP)
                if 0 <= i < nx and 0 <= j < ny:
                    cost[j * nx + i] = 1
    for hb in hard:
        i0, i1, j0, j1 = _cells(hb, x0, y0, nx, ny, HARD_PAD)
        for j in range(j0, j1 + 1):
            cost[j * nx + i0:j * nx + i1 + 1] = b"\x02" * (i1 - i0 + 1)
    start = _ring(target, x0, y0, nx, ny, cost)
    goal = set(_ring(box, x0, y0, nx, ny, cost))
    if not start or not goal:
        return None
    came = _search(start, goal, cost, nx, ny)
    if came is None:
        return None
    end, prev = came
    path = [end]
    while prev.get(path[-1]) is not None:
        path.append(prev[path[-1]])
    pts = [(x0 + (c % nx + 0.5) * STEP, y0 + (c // nx + 0.5) * STEP) for c in reversed(path)]
    pts = [_nearest_on(target, pts[0])] + pts + [_nearest_on(box, pts[-1])]
    return _corners(pts)


def _ring(box, x0, y0, nx, ny, cost) -> list:
    """The enterable cells just outside ``box``."""
    i0, i1, j0, j1 = _cells(box, x0, y0, nx, ny, STEP)
    out = []
    for j in range(j0, j1 + 1):
        for i in (range(i0, i1 + 1) if j in (j0, j1) else (i0, i1)):
            if cost[j * nx + i] != 2:
                out.append(j * nx + i)
    return out


def _search(start, goal, cost, nx, ny):
    """Dijkstra from every start cell to the nearest goal cell: (the goal reached, each cell's predecessor)."""
    dist = {c: 0.0 for c in start}
    prev = {c: None for c in start}
    heap = [(0.0, c) for c in sorted(start)]
    heapq.heapify(heap)
    moves = [(di, dj, math.hypot(di, dj)) for di in (-1, 0, 1) for dj in (-1, 0, 1) if di or dj]
    while heap:
        d, c = heapq.heappop(heap)
        if d > dist[c]:
            continue
        if c in goal:
            return c, prev
        i, j = c % nx, c // nx
        for di, dj, step in moves:
            ii, jj = i + di, j + dj
            if not (0 <= ii < nx and 0 <= jj < ny):
                continue
            n = jj * nx + ii
            if cost[n] == 2:
                continue
            nd = d + step + (WIRE_STEP if cost[n] == 1 and cost[c] != 1 else 0.0)
            if nd < dist.get(n, math.inf) - 1e-9:
                dist[n], prev[n] = nd, c
                heapq.heappush(heap, (nd, n))
    return None


def _nearest_on(box, p) -> tuple:
    """The point of ``box``'s edge nearest ``p`` (outside it)."""
    x, y = min(max(p[0], box[0]), box[2]), min(max(p[1], box[1]), box[3])
    if box[0] < x < box[2] and box[1] < y < box[3]:  # inside: to the nearest side
        x, y = min(((box[0], y), (box[2], y), (x, box[1]), (x, box[3])), key=lambda q: math.dist(q, p))
    return (x, y)


def _corners(pts) -> list:
    """The path's corners: points where its direction changes."""
    out = [pts[0]]
    for a, b in pairwise(pts[1:]):
        o = out[-1]
        if abs((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])) > 1e-6:
            out.append(a)
    out.append(pts[-1])
    return out
