"""TransposedConv: a transposed convolution computed two ways, with every number.

Way 1: each input cell stamps its value times the kernel into the output, stride
cells apart; where stamps overlap, the cell shows their sum, and the padding crops
cells off the edges (``output_padding`` adds some). Way 2 (the picture of Dumoulin
& Visin's convolution arithmetic, with numbers): zeros between the input cells, a
border of zeros, and an ordinary stride-1 convolution with the kernel turned by 180
degrees gives the same output (at most ``WAY2_DETAILED`` positions step by step:
the slide itself is KernelSlide's). The output size is derived on screen.

    manim -ql scenes/transposed.py TransposedConv
    convviz render TransposedConv --padding same --output-padding 1
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, Create, LaggedStart, SurroundingRectangle, VGroup

from . import style
from .fades import Appear, Vanish
from .parts import (
    CONTENT_BOTTOM, LINE_A, LINE_B, LIFT, line, outline, size, slide, stride_text,
    term, turn_half,
)
from .widgets import ConvvizScene, NumberGrid, Slide, cell_size, fit, labelled, place, text
from convviz.scene_data import format_number, format_padding, split_steps


def _sides(pads, verb: str) -> str:
    """``"2 top, 2 bottom, 2 left, 2 right"`` (``"all sides 2"`` when equal)."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right:
        return f"{verb} {top} on every side"
    return f"{verb} {top} top, {bottom} bottom, {left} left, {right} right"


# Way 2 animates at most this many positions step by step, then quickly (the config's
# detailed_steps / fast_steps when smaller); the rest are written at once.
WAY2_DETAILED, WAY2_FAST = 2, 3


def _cropped_sides(crops) -> str:
    """``"1 bottom, 1 right"``: the sides the padding crops, with how many cells."""
    (top, bottom), (left, right) = crops
    return ", ".join(f"{n} {name}" for n, name in ((top, "top"), (bottom, "bottom"),
                                                   (left, "left"), (right, "right")) if n > 0)


def _caption_at(caption, content: str):
    """A label like ``caption`` (same size and colour) reading ``content``, in its place."""
    new = text(content, caption.font_size, caption.color)
    return fit(new, max_width=max(caption.width, 4.6)).move_to(caption)


def _border(pads) -> str:
    """The zeros added around the zero-inserted input (negative: rows/columns cut)."""
    values = [p for pair in pads for p in pair]
    if min(values) >= 0:
        return _sides(pads, "zeros added")
    names = ("top", "bottom", "left", "right")
    return "border: " + ", ".join(f"{p} zeros {n}" if p >= 0 else f"{-p} cut {n}"
                                  for p, n in zip(values, names))


class TransposedConv(ConvvizScene):
    def construct(self):
        data = self.data()
        self.convviz_grids = {}
        title = self.title(self._title(data))
        self.play(Appear(title), run_time=0.6)
        output, subtitle = self.stamps(data)
        self.zero_insertion(data, output, subtitle)

    @staticmethod
    def _title(d) -> str:
        t = (f"Transposed convolution: {size(d.input.shape)} input, {size(d.kernel.shape)} "
             f"kernel, stride {stride_text(d.strides)}, {format_padding(d.padding)}")
        if d.output_padding is not None:
            t += f", output_padding {d.output_padding}"
        return t

    # ------------------------------------------------------------------ way 1: stamps
    def stamps(self, d):
        kh, kw = d.kernel.shape
        h, w = d.input.shape
        hs, ws = d.canvas.shape
        cropped = ~d.kept
        notes = []
        if cropped.any():
            notes.append(f"{format_padding(d.padding)} crops the grey cells: "
                         + _cropped_sides(d.crops))
        if d.added.any():
            notes.append(f"output_padding {d.output_padding} adds the dashed cells (zeros)"
                         if d.output_padding else "zeros are added at the bottom/right "
                                                  "(dashed) to make the output stride \u00d7 n")
        head = self.subtitle("Way 1: each input cell stamps its value \u00d7 the kernel into "
                             f"the output, {stride_text(d.strides)} cells apart; where stamps "
                             "overlap, they add up" + ("\n" + "; ".join(notes) if notes else ""))
        top = head.get_bottom()[1] - 0.12
        room = top - CONTENT_BOTTOM - 0.45

        inp = NumberGrid((h, w), d.input, cell=cell_size(h, w, 2.6, room * 0.36, 0.7),
                         color=style.INPUT)
        ker = NumberGrid((kh, kw), d.kernel, cell=cell_size(kh, kw, 2.6, room * 0.42, 0.55),
                         color=style.KERNEL, fill_opacity=0.3)
        left = VGroup(labelled(inp, f"input {size(d.input.shape)}", color=style.INPUT),
                      labelled(ker, f"kernel {size(d.kernel.shape)}", color=style.KERNEL)
                      ).arrange(DOWN, buff=0.35)
        stamp = NumberGrid((kh, kw), None, cell=cell_size(kh, kw, 2.4, room, 0.7),
                           color=style.PRODUCT, fill_opacity=0.12)
        stamp_box = labelled(stamp, "value \u00d7 kernel", color=style.PRODUCT)
        sheet = NumberGrid((hs, ws), None, cell=cell_size(hs, ws, 5.6, room, 0.75),
                           color=style.OUTPUT, mask=cropped)
        is_output = d.kept.all() and d.bias == 0
        sheet_label = (f"output {size(d.output.shape)}" if is_output
                       else f"stamps added up {size(d.canvas.shape)}")
        sheet_box = labelled(sheet, sheet_label, color=style.OUTPUT)
        for i, j in zip(*np.nonzero(d.added)):
            sheet.square(i, j).set_stroke(opacity=0)
        place(left, -5.0, top=top, bottom=CONTENT_BOTTOM)
        place(stamp_box, -1.75, top=top, bottom=CONTENT_BOTTOM)
        place(sheet_box, 3.55, top=top, bottom=CONTENT_BOTTOM)
        added = VGroup(*[outline(sheet, i, j, 1, 1, style.OUTPUT, 2, dashed=True)
                         for i in range(hs) for j in range(ws) if d.added[i, j]])

        self.play(Appear(head), Appear(left), run_time=0.8)
        self.play(Appear(stamp_box), Appear(sheet_box[0]), Create(sheet.squares),
                  *([Create(added)] if len(added) else []), run_time=0.8)

        values = {}                                    # sheet cell -> its Text
        detailed, fast, batched = split_steps(len(d.stamps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        in_frame = foot = None
        shown = VGroup()                               # numbers, lines and frames of a stamp
        label = stamp_box[0]
        for k in list(detailed) + list(fast):
            s = d.stamps[k]
            full = k in detailed
            new_in = outline(inp, s.in_row, s.in_col, 1, 1, style.KERNEL, 6)
            new_foot = outline(sheet, s.top, s.left, kh, kw, style.KERNEL, 6)
            new_label = labelled(stamp, f"{format_number(s.value)} \u00d7 kernel",
                                 color=style.PRODUCT)[0]
            numbers = VGroup(*[stamp.make_number(u, v, s.contribution[u, v], style.PRODUCT)
                               for u in range(kh) for v in range(kw)])
            cells = [(s.top + u, s.left + v) for u in range(kh) for v in range(kw)]
            old = VGroup(*[values[c] for c in cells if c in values])
            new = {c: sheet.make_number(*c, s.canvas_after[c]) for c in cells}
            overlaps = [(u, v) for u in range(kh) for v in range(kw) if s.covered_before[u, v]]
            rings = VGroup(*[outline(sheet, s.top + u, s.left + v, 1, 1, style.BIAS, 4)
                             for u, v in overlaps])
            where = line(f"input row {s.in_row}, column {s.in_col} = {format_number(s.value)}: "
                         f"its stamp starts at output row {s.top}, column {s.left}", LINE_A)
            sums = None
            if overlaps:
                terms = [f"{term(s.canvas_before[s.top + u, s.left + v])} + "
                         f"{term(s.contribution[u, v])} = "
                         f"{format_number(s.canvas_after[s.top + u, s.left + v])}"
                         for u, v in overlaps[:5]]
                more = f"  (and {len(overlaps) - 5} more)" if len(overlaps) > 5 else ""
                sums = line("overlaps add up: " + "   ".join(terms) + more, LINE_B,
                            style.BIAS)
            moves = []
            if in_frame is None:
                moves += [Create(new_in), Create(new_foot)]
                in_frame, foot = new_in, new_foot
            else:
                moves += [Slide(in_frame, new_in), Slide(foot, new_foot)]
            leaving = [Vanish(shown)] if len(shown) else []
            if full:
                self.play(*leaving, *moves, self.swap(label, new_label), Vanish(old), run_time=0.5)
                self.play(LaggedStart(*[Appear(n) for n in numbers], lag_ratio=0.06),
                          Appear(where), run_time=0.6)
                self.play(*[Appear(n) for n in new.values()],
                          *([Appear(rings), Appear(sums)] if sums else []), run_time=0.6)
                self.wait(0.5 if sums else 0.1)
            else:
                self.play(*leaving, *moves, Vanish(label), Vanish(old), run_time=0.25)
                self.play(Appear(new_label), Appear(numbers), Appear(where),
                          *[Appear(n) for n in new.values()],
                          *([Appear(rings), Appear(sums)] if sums else []), run_time=0.35)
            label = new_label
            values.update(new)
            shown = VGroup(numbers, where, rings, *([sums] if sums else []))

        leaving = [Vanish(m) for m in (shown, in_frame, foot, label) if m is not None]
        if len(batched):
            rest = [d.stamps[k] for k in batched]
            note = line(f"\u2026 the other {len(rest)} stamps, the same way", LINE_A, style.MUTED)
            cells = {(s.top + u, s.left + v) for s in rest for u in range(kh) for v in range(kw)}
            old = VGroup(*[values[c] for c in cells if c in values])
            new = {c: sheet.make_number(*c, d.canvas[c]) for c in sorted(cells)}
            self.play(*leaving, Vanish(old), run_time=0.4)
            self.play(Appear(note), run_time=0.3)
            self.write_rest(list(new.values()), [], len(rest))
            values.update(new)
            leaving = [Vanish(note)]
        self.play(*leaving, Vanish(stamp_box[1]), run_time=0.4)

        # the output: the kept cells, plus the bias
        zeros = {(i, j): sheet.make_number(i, j, 0) for i in range(hs) for j in range(ws)
                 if d.added[i, j]}
        if zeros:
            self.play(*[Appear(z) for z in zeros.values()], run_time=0.5)
            values.update(zeros)
        sheet.numbers.update(values)                  # the numbers belong to the sheet now
        sheet.add(*values.values())
        self.add(sheet_box)
        if is_output:
            out, out_box = sheet, sheet_box
        else:
            (ct, _), (cl, _) = d.crops
            oh, ow = d.output.shape
            out = NumberGrid((oh, ow), d.output, cell=sheet.cell, color=style.OUTPUT)
            out.shift(sheet.square(ct, cl).get_center() - out.square(0, 0).get_center())
            out_box = labelled(out, f"output {size(d.output.shape)}", color=style.OUTPUT)
            what = []
            if cropped.any():
                what.append("the grey cells are cropped")
            if d.bias != 0:
                what.append(f"bias {format_number(d.bias)} is added to every cell")
            note = line("; ".join(what) if what else "the kept cells are the output", LINE_A)
            self.play(Appear(note), run_time=0.4)
            self.play(Vanish(sheet_box), Vanish(added), run_time=0.5)
            self.play(Appear(out_box), run_time=0.6)
            self.play(Vanish(note), run_time=0.3)
        self.convviz_grids["stamps output"] = out

        # the cell where most stamps overlap, as a sum of products
        r, c = np.unravel_index(int(np.argmax(d.overlaps)), d.overlaps.shape)
        parts = d.contributions[r][c]
        weights = sorted({(t.k_row, t.k_col) for t in parts})
        frames = VGroup(outline(out, r, c, 1, 1, style.BIAS, 6),
                        *[outline(inp, t.in_row, t.in_col, 1, 1, style.BIAS, 6) for t in parts],
                        *[outline(ker, u, v, 1, 1, style.BIAS, 5) for u, v in weights])
        terms = " + ".join(f"{term(t.value)}\u00b7{term(t.weight)}" for t in parts)
        bias = "" if d.bias == 0 else f" + bias {term(d.bias)}"
        explain = line(f"output row {r}, column {c} = {terms}{bias} = "
                       f"{format_number(d.output[r, c])}", LINE_A, style.BIAS)
        why = line(f"{len(parts)} stamps reach this cell: each input cell adds its value "
                   "\u00d7 one kernel weight" if len(parts) > 1 else
                   "no stamps overlap at this stride: each cell is one value \u00d7 one weight",
                   LINE_B)
        self.play(Create(frames), Appear(explain), Appear(why), run_time=0.9)
        self.mark_poster()
        self.wait(1.2)

        sizes = VGroup(*[line(t, y) for t, y in zip(d.size_lines, (LINE_A, LINE_B))])
        if len(sizes) == 1:
            sizes.add(line("the last stamp starts at (n\u22121)\u00d7s and is k cells wide",
                           LINE_B, style.MUTED))
        ring = SurroundingRectangle(out.squares, color=style.OUTPUT, buff=0.06)
        self.play(Vanish(VGroup(frames, explain, why)), run_time=0.3)
        self.play(Appear(sizes), Create(ring), run_time=0.7)
        self.wait(1.0)
        self.play(Vanish(VGroup(left, sizes, ring)), run_time=0.5)
        return out_box, head

    # ------------------------------------------------------------------ way 2: zeros
    def zero_insertion(self, d, way1, way1_subtitle):
        view = d.zero_insert
        conv = view.conv
        kh, kw = d.kernel.shape
        hp, wp = conv.padded_input.shape
        oh, ow = conv.output.shape
        zh, zw = view.zero_inserted.shape
        spread = ("blue edges: zeros inserted between the input cells; grey: "
                  if view.is_inserted.any() else "at stride 1 nothing goes between the cells; "
                  "grey: ")
        head = self.subtitle("Way 2: an ordinary convolution with the kernel turned 180\u00b0, "
                             "over the input spread out with zeros\n"
                             f"{spread}{_border(view.pads)}")
        top = head.get_bottom()[1] - 0.12
        room = top - CONTENT_BOTTOM - 0.45

        # one row: padded input | turned kernel, products | way-2 output | way-1 output
        unit = min(0.62, (13.2 - 3.0 - 3 * 0.35) / (wp + 2 * ow))
        grid = NumberGrid((hp, wp), conv.padded_input, cell=cell_size(hp, wp, wp * unit, room, 0.62),
                          color=style.INPUT, mask=conv.padding_mask, lift=LIFT)
        for i, j in zip(*np.nonzero(view.is_inserted)):
            grid.square(i, j).set_fill(style.INPUT, 0.07).set_stroke(style.INPUT, 2.5)
            grid.numbers[i, j].set_color(style.MUTED)
        for i, j in zip(*np.nonzero(~conv.padding_mask & ~view.is_inserted)):
            grid.square(i, j).set_fill(style.INPUT, 0.45)              # the input's own cells
        self.convviz_grids["zero-inserted input"] = grid
        kcell = cell_size(2 * kh + 1, kw, 2.2, room - 0.5, 0.55)
        flipped = NumberGrid((kh, kw), view.flipped_kernel, cell=kcell, color=style.KERNEL,
                             fill_opacity=0.3)
        self.convviz_grids["flipped kernel"] = flipped
        prod = NumberGrid((kh, kw), None, cell=kcell, color=style.PRODUCT, fill_opacity=0.12)
        ocell = cell_size(oh, ow, ow * unit, room, 0.6)
        out = NumberGrid((oh, ow), None, cell=ocell, color=style.OUTPUT)
        self.convviz_grids["zero-insertion output"] = out

        grid_box = labelled(grid, f"padded to {size((hp, wp))}", color=style.INPUT,
                            max_width=4.6)
        flipped_box = labelled(flipped, "kernel turned 180\u00b0", color=style.KERNEL)
        prod_box = labelled(prod, "window \u00d7 kernel", color=style.PRODUCT)
        middle = VGroup(flipped_box, prod_box).arrange(DOWN, buff=0.3)
        out_box = labelled(out, f"way 2: output {size((oh, ow))}", color=style.OUTPUT)
        way1_label, way1_grid = way1
        scale = ocell / way1_grid.cell
        slot = way1_grid.copy().scale(scale)
        row = VGroup(grid_box, middle, out_box,
                     labelled(slot, f"way 1: stamps {size(d.output.shape)}", color=style.OUTPUT))
        row.arrange(RIGHT, buff=0.35)
        place(row, 0, top=top, bottom=CONTENT_BOTTOM)
        new_way1_label = row[3][0]

        # the way-1 output moves aside; the input spreads out
        self.play(Vanish(way1_label), Vanish(way1_subtitle), run_time=0.3)
        self.play(way1_grid.animate.scale(scale).move_to(slot), run_time=0.7)
        self.play(Appear(head), Appear(new_way1_label), run_time=0.4)
        way1 = VGroup(new_way1_label, way1_grid)

        def cells(mask):
            return VGroup(*[VGroup(grid.square(i, j), grid.numbers[i, j])
                            for i in range(hp) for j in range(wp) if mask[i, j]])

        real = cells(~conv.padding_mask & ~view.is_inserted)
        zeros = cells(view.is_inserted)
        border = cells(conv.padding_mask)
        stage = _caption_at(grid_box[0], f"input {size(d.input.shape)}")
        self.play(Appear(real), Appear(stage), run_time=0.6)
        if len(zeros):
            spread = _caption_at(grid_box[0], f"zeros inserted: {size((zh, zw))}")
            self.play(self.swap(stage, spread), Appear(zeros), run_time=0.8)
            stage = spread
        self.play(self.swap(stage, grid_box[0]), Appear(border), run_time=0.8)
        self.remove(real, zeros, border)
        self.add(grid_box)

        # the kernel turns 180 degrees
        kernel = NumberGrid((kh, kw), d.kernel, cell=kcell, color=style.KERNEL, fill_opacity=0.3)
        kernel.move_to(flipped)
        kernel_label = _caption_at(flipped_box[0], f"kernel {size(d.kernel.shape)}")
        self.play(Appear(kernel), Appear(kernel_label), run_time=0.5)
        self.play(*turn_half(kernel), run_time=1.2)
        self.remove(kernel)                 # its numbers now sit where the flipped kernel's do
        self.add(flipped)
        self.play(self.swap(kernel_label, flipped_box[0]), run_time=0.6)
        self.add(flipped_box)
        self.play(Appear(prod_box), Appear(out_box[0]), Create(out.squares), run_time=0.6)

        # an ordinary stride-1 convolution
        def window(step):
            return grid.window(step.top, step.left, kh, kw, weights=view.flipped_kernel)

        # the slide itself is KernelSlide's: fewer positions step by step than way 1
        slide(self, conv.steps, grid=grid, window=window,
              corner=lambda step: (step.top, step.left), extent=(kh, kw),
              prod=prod, out=out, bias=conv.bias,
              split=split_steps(len(conv.steps), min(self.cfg.detailed_steps, WAY2_DETAILED),
                                min(self.cfg.fast_steps, WAY2_FAST)))
        self.add(out_box)
        same = line(f"way 1 and way 2: the same {size(d.output.shape)} output, cell by cell",
                    LINE_A, style.OUTPUT)
        self.play(Appear(same),
                  Create(SurroundingRectangle(out.squares, color=style.OUTPUT, buff=0.06)),
                  Create(SurroundingRectangle(way1_grid.squares, color=style.OUTPUT, buff=0.06)),
                  run_time=0.8)
        self.wait(1.5)
