/* Part 1: the arithmetic. One store (example, settings, selected step) and one small view
   per job: examples, controls, output size, input, kernel, output, the step's products.
   Every number comes from DATA.arith, traced by convviz.trace_conv2d. */

function setupArithmetic() {
  const arith = DATA.arith;
  const controls = arith.controls;
  const first = (name) => controls[name][0];
  const store = createStore({
    example: 0, padding: first("padding"), stride: first("stride"), dilation: first("dilation"),
    mode: first("mode"), bias: arith.examples[0].key === "single" ? "off" : "on",
    pinned: 0, hover: null, playing: false,
  });
  const example = (s) => arith.examples[s.example];
  const combo = (s) => example(s).combos[[s.padding, s.stride, s.dilation, s.mode, s.bias].join("|")];
  const shown = (s) => (s.hover !== null ? s.hover : s.pinned);
  const comboChanged = (s, p) => !p || ["example", "padding", "stride", "dilation", "mode", "bias"]
    .some((k) => s[k] !== p[k]);

  /* ---- the examples ---- */
  const tabs = document.getElementById("examples");
  function drawTabs(s) {
    clear(tabs, arith.examples.map((ex, k) => el("button", {
      type: "button", "aria-pressed": String(k === s.example), "data-example": ex.key,
      onclick: () => store.set({ example: k, pinned: 0, hover: null,
                                 bias: ex.key === "single" ? "off" : "on" }),
    }, ex.title)));
    document.getElementById("example-note").textContent = example(s).note;
  }

  /* ---- the controls ---- */
  const form = document.getElementById("controls");
  form.addEventListener("submit", (e) => e.preventDefault());
  const labels = {
    padding: (v) => v, stride: (v) => v, dilation: (v) => v,
    mode: (v) => (v === "convolution" ? "convolution (kernel flipped)" : "cross-correlation"),
    bias: (v, s) => (v === "off" ? "none" : "add " + example(s).bias.map(fmt).join(", ")),
  };
  function drawControls(s) {
    clear(form, Object.keys(controls).map((name) => el("fieldset", { "data-control": name },
      el("legend", {}, name),
      el("div", { class: "seg" }, controls[name].map((value) => {
        const id = `ctl-${name}-${value}`;
        return [el("input", { type: "radio", name, id, value, checked: s[name] === value,
                              onchange: () => selectKeeping({ [name]: value }) }),
                el("label", { for: id }, labels[name](value, s))];
      })))));
  }
  /* A new setting keeps the selected output cell when it still exists. */
  function selectKeeping(patch) {
    const s = store.get();
    const before = combo(s);
    const next = Object.assign({}, s, patch);
    const after = combo(next);
    let pinned = 0;
    if (before.ok && after.ok) {
      const step = before.steps[s.pinned];
      const row = after.step_of[step.f] && after.step_of[step.f][step.i];
      if (row && row[step.j] !== undefined) pinned = row[step.j];
    }
    store.set(Object.assign(patch, { pinned, hover: null }));
  }

  /* ---- output size and its derivation (convviz.explain_shape) ---- */
  const shapeView = document.getElementById("shape");
  const errorView = document.getElementById("arith-error");
  const stage = document.getElementById("stage");
  function drawShape(s) {
    const c = combo(s);
    const filters = example(s).kernel.length;
    clear(shapeView,
      el("h3", {}, "Output size"),
      el("p", { class: "size", id: "output-size" }, c.ok
        ? `${c.size[0]} × ${c.size[1]}` + (filters > 1 ? ` for each of the ${filters} filters` : "")
        : "no output: this setting is impossible"),
      c.derivation.map((d) => [
        el("div", { class: "cap" }, `Why (${d.axis}), as convviz.explain_shape derives it:`),
        el("pre", { class: "derivation", "data-axis": d.axis }, d.text)]));
    errorView.hidden = c.ok;
    stage.hidden = !c.ok;
    document.getElementById("step-view").hidden = !c.ok;
    if (!c.ok) clear(errorView, el("b", {}, "convviz refuses this setting: "),
                     el("span", { id: "arith-error-text" }, c.error));
  }

  /* ---- the padded input, with the selected window ---- */
  const inputView = document.getElementById("input-view");
  function drawInput(s) {
    const c = combo(s);
    if (!c.ok) return clear(inputView);
    const step = c.steps[shown(s)];
    const inWindow = {};
    step.rows.forEach((r) => step.cols.forEach((col) => { inWindow[r + "," + col] = true; }));
    const [[top, bottom], [left, right]] = c.pads;
    const padText = top + bottom + left + right === 0 ? "no padding"
      : `padding: ${top} top, ${bottom} bottom, ${left} left, ${right} right (grey, dashed)`;
    clear(inputView, el("h3", {}, "Input"), el("p", { class: "note" }, padText),
      el("div", { class: "grids" }, c.padded.map((channel, ch) => gridBox(
        c.padded.length > 1 ? `channel ${ch}` : "the input",
        numGrid(channel, { label: `input channel ${ch}`, cls: (i, j) =>
          (c.is_pad[i][j] ? "pad " : "") + (inWindow[i + "," + j] ? "win" : "") }),
        "input-grid"))));
  }

  /* ---- the kernels ---- */
  const kernelView = document.getElementById("kernel-view");
  function drawKernel(s) {
    const c = combo(s);
    if (!c.ok) return clear(kernelView);
    const ex = example(s);
    const flipped = s.mode === "convolution";
    clear(kernelView, el("h3", {}, ex.kernel.length > 1 ? "Filters" : "Kernel"),
      flipped ? el("p", { class: "note" }, "Convolution mode: the kernel is turned 180° before it " +
                      "slides; shown here as it is multiplied.") : null,
      c.kernel.map((filter, f) => el("div", { class: "grids" },
        ex.kernel.length > 1 ? el("div", { class: "cap" }, `filter ${f}`) : null,
        filter.map((kernel, ch) => gridBox(
          (filter.length > 1 ? `for channel ${ch}` : "kernel") + (flipped ? " (flipped)" : ""),
          numGrid(kernel, { cls: () => "kern", label: `kernel ${f} ${ch}` }), "kernel-grid")),
        s.bias === "on" ? el("div", { class: "sum" }, "bias " + fmt(ex.bias[f])) : null)));
  }

  /* ---- the output: one clickable grid per filter, arrow keys, play ---- */
  const outputView = document.getElementById("output-view");
  let timer = null;
  function drawOutput(s) {
    const c = combo(s);
    if (!c.ok) return clear(outputView);
    const play = el("button", { type: "button", class: "play", id: "play",
      onclick: () => store.set({ playing: !store.get().playing, hover: null }) });
    clear(outputView, el("h3", {}, "Output"),
      el("p", { class: "note" }, "Click, tap or hover over a cell; arrow keys move."), play,
      el("div", { class: "grids" }, c.output.map((map, f) => gridBox(
        c.output.length > 1 ? `feature map of filter ${f}` : "feature map",
        outputGrid(map, f, c), "output-grid"))));
    markOutput(s);
  }
  function outputGrid(map, f, c) {
    const cells = [];
    map.forEach((row, i) => row.forEach((value, j) => {
      const index = c.step_of[f][i][j];
      cells.push(el("button", {
        type: "button", class: "cell out", "data-v": String(value), "data-step": index,
        "data-f": f, "data-i": i, "data-j": j, "aria-label": `output row ${i} column ${j}: ${fmt(value)}`,
        onclick: () => store.set({ pinned: index, hover: null, playing: false }),
        onmouseenter: () => { if (!store.get().playing) store.set({ hover: index }); },
      }, fmt(value)));
    }));
    return el("div", {
      class: "grid", role: "grid", style: `--cols:${map[0].length}`, "aria-label": `output of filter ${f}`,
      onmouseleave: () => store.set({ hover: null }),
      onkeydown: (event) => {
        const step = c.steps[store.get().pinned];
        if (step.f !== f) return;
        const to = arrowMove(event, step.i, step.j, map.length, map[0].length);
        if (!to) return;
        event.preventDefault();
        store.set({ pinned: c.step_of[f][to[0]][to[1]], hover: null, playing: false });
        outputView.querySelector(`[data-step="${store.get().pinned}"]`).focus();
      },
    }, cells);
  }
  function markOutput(s) {
    const index = shown(s);
    outputView.querySelectorAll(".cell.out").forEach((cell) => {
      const on = Number(cell.dataset.step) === index;
      cell.setAttribute("aria-selected", String(on));
      cell.tabIndex = Number(cell.dataset.step) === s.pinned ? 0 : -1;
    });
    const play = document.getElementById("play");
    if (play) play.textContent = s.playing ? "❚❚ pause" : "▶ play every position";
  }

  /* ---- the selected step: products, channel sums, bias, total ---- */
  const stepView = document.getElementById("step-view");
  function drawStep(s) {
    const c = combo(s);
    if (!c.ok) return clear(stepView);
    const step = c.steps[shown(s)];
    const many = step.window.length > 1;
    const filters = c.output.length > 1;
    const dilated = s.dilation !== "1";
    const channels = step.window.map((window, ch) => el("div", { class: "chan", "data-channel": ch },
      el("div", { class: "cap", style: "width:100%" }, many ? `channel ${ch}` : "the window"),
      gridBox("window" + (dilated ? ` (every ${s.dilation}nd cell: dilation)` : ""),
              numGrid(window, { cls: (i, j) => "win" + (step.pad[i][j] ? " pad" : "") }), "window-grid"),
      el("span", { class: "op" }, "×"),
      gridBox("kernel", numGrid(c.kernel[step.f][ch], { cls: () => "kern" }), "kernel-grid"),
      el("span", { class: "op" }, "="),
      gridBox("products", numGrid(step.products[ch], { cls: () => "prod" }), "products-grid"),
      el("span", { class: "op" }, "→"),
      el("span", { class: "sum channel-sum", "data-v": String(step.sums[ch]) }, "sum " + fmt(step.sums[ch])),
      el("p", { class: "eq" }, window.flat().map((v, k) => `${factor(v)}×${factor(c.kernel[step.f][ch].flat()[k])}`)
        .join(" + ") + " = " + fmt(step.sums[ch]))));
    const terms = step.sums.map(factor);
    if (s.bias === "on") terms.push("bias " + factor(step.bias));
    const total = terms.length > 1
      ? [terms.join(" + "), " = ", el("b", { class: "step-total", "data-v": String(step.total) }, fmt(step.total))]
      : ["the output cell is the sum: ", el("b", { class: "step-total", "data-v": String(step.total) }, fmt(step.total))];
    clear(stepView,
      el("div", { class: "step-head", id: "step-head" },
        `Step ${step.n} of ${c.steps.length}: output row ${step.i}, column ${step.j}` +
        (filters ? ` of filter ${step.f}` : "") +
        ` ← window rows ${step.rows[0]}–${step.rows[step.rows.length - 1]}, columns ` +
        `${step.cols[0]}–${step.cols[step.cols.length - 1]} of the padded input`),
      channels,
      el("div", { class: "total" }, many ? "channel sums " : "", total));
  }

  function render(s, p) {
    if (comboChanged(s, p)) {
      drawTabs(s); drawControls(s); drawShape(s); drawKernel(s); drawOutput(s);
    }
    drawInput(s); drawStep(s); markOutput(s);
    if (s.playing && !timer) {
      timer = setInterval(() => {
        const now = store.get();
        store.set({ pinned: (now.pinned + 1) % combo(now).steps.length });
      }, 900);
    } else if (!s.playing && timer) {
      clearInterval(timer); timer = null;
    }
  }
  store.subscribe(render);
  render(store.get(), null);
}
