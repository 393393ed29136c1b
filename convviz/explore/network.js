/* Part 2: a real network. One store (digit, layer, channel, pixel) and one small view per
   operation, as in CNN Explainer's detail views: convolution, pooling, activation, input,
   softmax. Values come from Keras (layer outputs, pre-activations, logits) and from the
   convviz core (each channel's sum), all in DATA.net. */

function setupNetwork() {
  const net = DATA.net;
  const body = document.getElementById("net-body");
  if (!net) {
    document.getElementById("net-link").remove();
    clear(body, el("p", { class: "note" }, "This page was written without a model " +
      "(convviz explore --no-model). Run convviz explore without --no-model to add the network."));
    return;
  }
  const layerOf = Object.fromEntries(net.layers.map((l) => [l.name, l]));
  const store = createStore({ digit: 0, layer: null, channel: 0, i: 0, j: 0, src: 0 });
  const digit = (s) => net.digits[s.digit];
  const values = (s, name, field) => decode(digit(s).layers[name][field || "out"]);

  /* ---- model line and digit picker ---- */
  const picker = el("div", { class: "digits", role: "group", "aria-label": "test digit" });
  function drawPicker(s) {
    clear(picker, net.digits.map((d, k) => el("button", {
      type: "button", class: "digit", "aria-pressed": String(k === s.digit), "data-digit": k,
      "aria-label": `test image ${d.index}, label ${d.label}, predicted ${d.predicted}`,
      onclick: () => store.set({ digit: k }),
    }, el("img", { src: d.layers.input.maps[0], alt: "" }), `${d.label} → ${d.predicted}`)));
  }

  /* ---- the layers, top to bottom ---- */
  const layerList = el("div", { class: "layers" });
  const articles = {};
  function drawLayers(s) {
    clear(layerList, net.layers.map((layer) => {
      const entry = digit(s).layers[layer.name] || {};
      const article = el("article", { class: "layer " + layer.kind, id: "layer-" + layer.name,
                                      "data-layer": layer.name, "data-kind": layer.kind },
        el("h3", {}, layer.title),
        layer.summary ? el("p", { class: "summary" }, layer.summary) : null,
        entry.scale ? legend(layer, entry) : null,
        entry.maps ? tiles(layer, entry, s) : null,
        entry.strip ? el("img", { class: "strip", src: entry.strip, alt: `${layer.name} values` }) : null,
        layer.softmax ? softmaxView(s) : null,
        el("p", { class: "note" }, layer.note),
        layer.derivation ? el("details", {}, el("summary", {}, "Why this output size"),
          layer.derivation.map((d) => [el("div", { class: "cap" }, d.axis),
                                       el("pre", { class: "derivation" }, d.text)])) : null);
      articles[layer.name] = article;
      return article;
    }));
  }
  function legend(layer, entry) {
    const gray = layer.kind === "input";
    return el("div", { class: "legend" }, "colour scale for this digit:",
      el("span", { "data-v": String(entry.scale[0]) }, fmt(entry.scale[0])),
      el("img", { src: net.legend[gray ? "gray" : "viridis"], alt: "from low to high" }),
      el("span", { "data-v": String(entry.scale[1]) }, fmt(entry.scale[1])));
  }
  function tiles(layer, entry, s) {
    const clickable = ["input", "conv", "pool", "activation", "other"].includes(layer.kind);
    return el("div", { class: "tiles" }, entry.maps.map((src, c) => el("button", {
      type: "button", class: "tile", "data-channel": c, disabled: !clickable,
      "aria-pressed": String(s.layer === layer.name && s.channel === c),
      "aria-label": `${layer.name} channel ${c}`,
      onclick: () => store.set({ layer: layer.name, channel: c, i: layer.start[0], j: layer.start[1], src: 0 }),
    }, el("img", { src, alt: "" }), String(c))));
  }

  /* ---- the softmax panel ---- */
  function softmaxView(s) {
    const sm = digit(s).softmax;
    const rows = sm.logits.map((logit, k) => el("tr", { class: k === digit(s).predicted ? "pred" : null, "data-class": k },
      el("td", {}, String(k)), el("td", { "data-v": String(logit) }, fmt(logit)),
      el("td", { "data-v": String(sm.exp[k]) }, fmt(sm.exp[k])),
      el("td", { "data-v": String(sm.probs[k]) }, fmt(sm.probs[k])),
      el("td", { class: "bar-cell" }, el("span", { class: "bar", style: `width:${sm.bar[k]}` }))));
    return el("div", { class: "softmax" },
      el("p", {}, `Softmax: the logits are ${net.softmax.logits_from}. Each probability is ` +
                  "exp(logit) divided by the sum of all the exps; the probabilities add up to 1."),
      el("div", { class: "scroll" }, el("table", { class: "nums" },
        el("tr", {}, el("th", {}, "class"), el("th", {}, "logit"), el("th", {}, "exp(logit)"),
           el("th", {}, "probability"), el("th", {}, "")),
        rows)),
      el("p", {}, "sum of the exps = ", el("b", { class: "exp-sum", "data-v": String(sm.sum) }, fmt(sm.sum)),
        `; the model predicts ${digit(s).predicted} (label ${digit(s).label}).`));
  }

  /* ---- a big map with one clickable (or highlighted) cell per pixel ---- */
  function bigMap(src, rows, cols, opts) {
    const cells = [];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const mark = opts.mark ? opts.mark(i, j) : null;
        const attrs = { class: "px" + (mark ? " " + mark : ""), "data-i": i, "data-j": j };
        if (opts.pick) {
          Object.assign(attrs, { type: "button", tabindex: opts.selected(i, j) ? 0 : -1,
            "aria-selected": String(opts.selected(i, j)), "aria-label": `row ${i} column ${j}`,
            onclick: () => opts.pick(i, j) });
        }
        cells.push(el(opts.pick ? "button" : "div", attrs));
      }
    }
    const over = el("div", { class: "over", style: `--cols:${cols};--rows:${rows}`,
                             role: opts.pick ? "grid" : null, "aria-label": opts.label });
    over.append(...cells);
    if (opts.pick) {
      over.addEventListener("keydown", (event) => {
        const s = store.get();
        const to = arrowMove(event, s.i, s.j, rows, cols);
        if (!to) return;
        event.preventDefault();
        store.set({ i: to[0], j: to[1] });
        const target = document.querySelector(`#detail .big.pick [data-i="${to[0]}"][data-j="${to[1]}"]`);
        if (target) target.focus();
      });
    }
    return el("div", { class: "big" + (opts.pick ? " pick" : ""), style: `aspect-ratio:${cols} / ${rows}` },
              el("img", { src, alt: opts.label }), over);
  }
  function mapBox(caption, map) { return el("div", { class: "map-box" }, el("div", { class: "cap" }, caption), map); }
  function outMap(s, layer, label) {
    const out = values(s, layer.name);
    return mapBox(label, bigMap(digit(s).layers[layer.name].maps[s.channel], out[0].length, out[0][0].length, {
      label: `${layer.name} channel ${s.channel}`,
      selected: (i, j) => i === s.i && j === s.j,
      pick: (i, j) => store.set({ i, j }),
    }));
  }
  /* The window of output pixel (i, j) on one channel of the source layer. */
  function windowMap(s, layer, channel) {
    const source = layerOf[layer.source];
    const name = layer.source_values;
    const map = values(s, name)[channel];
    const rows = layer.rows[s.i];
    const cols = layer.cols[s.j];
    const inRows = new Set(rows.filter((r) => r !== null));
    const inCols = new Set(cols.filter((c) => c !== null));
    return mapBox(`${source.name}, channel ${channel}: the window (yellow)`,
      bigMap(digit(s).layers[name].maps[channel], map.length, map[0].length, {
        label: `window in ${source.name} channel ${channel}`,
        mark: (i, j) => (inRows.has(i) && inCols.has(j) ? "win" : null),
      }));
  }
  /* The window's values as a grid: padding cells (outside the previous layer) marked. */
  function windowValues(s, layer, channel) {
    const map = values(s, layer.source_values)[channel];
    return layer.rows[s.i].map((r) => layer.cols[s.j].map((c) =>
      (r === null || c === null ? null : map[r][c])));
  }
  function windowGrid(rows, extra) {
    const cells = [];
    rows.forEach((row) => row.forEach((v) => cells.push(v === null
      ? el("div", { class: "cell pad win", "data-v": "pad" }, "0")
      : el("div", { class: "cell win " + (extra ? extra(v) || "" : ""), "data-v": String(v) }, fmt(v)))));
    return el("div", { class: "grid wide-cells", style: `--cols:${rows[0].length}` }, cells);
  }

  /* ---- detail views, one per operation ---- */
  const detailViews = {
    input(s, layer) {
      const v = values(s, layer.name)[s.channel][s.i][s.j];
      return [outMap(s, layer, "the digit: click a pixel"),
        el("p", { class: "total" }, `pixel row ${s.i}, column ${s.j} = `,
           el("b", { class: "value", "data-v": String(v) }, fmt(v)), " (its gray level scaled to [0, 1])")];
    },
    conv(s, layer) {
      const kernel = decode(layer.kernel)[s.channel];
      const sums = values(s, layer.name, "sums")[s.channel][s.i][s.j];
      const pre = layer.activation === "linear" ? values(s, layer.name)[s.channel][s.i][s.j]
        : values(s, layer.name, "pre")[s.channel][s.i][s.j];
      const out = values(s, layer.name)[s.channel][s.i][s.j];
      const many = sums.length > 1;
      const table = many ? el("div", { class: "scroll" }, el("table", { class: "nums channel-table" },
        el("tr", {}, el("th", {}, "input channel"), el("th", {}, "sum of its products"), el("th", {}, "")),
        sums.map((sum, c) => el("tr", { class: c === s.src ? "sel" : null, "data-channel": c },
          el("td", {}, String(c)), el("td", { "data-v": String(sum) }, fmt(sum)),
          el("td", {}, el("button", { type: "button", onclick: () => store.set({ src: c }) }, "show")))))) : null;
      const terms = sums.map(factor);
      if (layer.bias) terms.push("bias " + factor(layer.bias[s.channel]));
      return [
        el("div", { class: "maps" }, outMap(s, layer, `filter ${s.channel}: click a pixel`), windowMap(s, layer, s.src)),
        el("p", {}, many ? `Filter ${s.channel} has ${sums.length} kernels, one per channel of ${layer.source}. ` +
                           "Each kernel meets its channel's window; the products are summed per channel:" : ""),
        table,
        el("div", { class: "chan" },
          el("div", { class: "cap", style: "width:100%" }, `input channel ${s.src}`),
          gridBox(`window in ${layer.source}`, windowGrid(windowValues(s, layer, s.src)), "window-grid"),
          el("span", { class: "op" }, "×"),
          gridBox(`kernel ${s.src} of filter ${s.channel}`, numGrid(kernel[s.src], { cls: (i, j, v) => "kern " + (signClass(v) || ""), gridClass: "wide-cells" }), "kernel-grid"),
          el("span", { class: "op" }, "→"),
          el("span", { class: "sum channel-sum", "data-v": String(sums[s.src]) }, "sum " + fmt(sums[s.src]))),
        el("div", { class: "total" }, many ? "channel sums " : "sum ", terms.join(" + "), " = ",
          el("b", { class: "pre", "data-v": String(pre) }, fmt(pre)), " = pre-activation (Keras)"),
        el("div", { class: "total" }, layer.activation === "linear"
          ? ["no activation in this layer: the output is the pre-activation ",
             el("b", { class: "out", "data-v": String(out) }, fmt(out))]
          : [`${layer.activation}(${fmt(pre)}) = `, el("b", { class: "out", "data-v": String(out) }, fmt(out)),
             " = the pixel (Keras)" + (layer.activation === "relu"
               ? ". relu keeps a positive value and turns a negative one into 0." : ".")]),
      ];
    },
    pool(s, layer) {
      const out = values(s, layer.name)[s.channel][s.i][s.j];
      const window = windowValues(s, layer, s.channel);
      const isMax = layer.op === "max";
      return [
        el("div", { class: "maps" }, outMap(s, layer, `channel ${s.channel}: click a pixel`), windowMap(s, layer, s.channel)),
        el("div", { class: "chan" }, gridBox(`window in ${layer.source}` + (window.flat().includes(null) ? " (0 = padding, left out)" : ""),
          windowGrid(window, (v) => (isMax && v === out ? "max" : null)), "window-grid")),
        el("div", { class: "total" }, `${isMax ? "the largest" : "the average"} of the window = `,
           el("b", { class: "out", "data-v": String(out) }, fmt(out)), " (Keras)"),
      ];
    },
    activation(s, layer) {
      const x = values(s, layer.source_values)[s.channel][s.i][s.j];
      const y = values(s, layer.name)[s.channel][s.i][s.j];
      return [el("div", { class: "maps" }, outMap(s, layer, `channel ${s.channel}: click a pixel`)),
        el("div", { class: "total" }, `${layer.activation}(`, el("span", { class: "in", "data-v": String(x) }, fmt(x)),
           ") = ", el("b", { class: "out", "data-v": String(y) }, fmt(y)), " (Keras)")];
    },
    other(s, layer) {
      const v = values(s, layer.name)[s.channel][s.i][s.j];
      return [outMap(s, layer, `channel ${s.channel}`),
        el("p", { class: "total" }, "value (Keras) = ", el("b", { class: "out", "data-v": String(v) }, fmt(v))),
        el("p", { class: "note" }, layer.note)];
    },
  };

  const detail = el("section", { class: "detail", id: "detail", "aria-live": "polite" });
  function drawDetail(s) {
    if (!s.layer) { detail.remove(); return; }
    const layer = layerOf[s.layer];
    clear(detail, el("h3", {}, `${layer.name} · channel ${s.channel} · pixel row ${s.i}, column ${s.j}`),
          detailViews[layer.kind](s, layer));
    articles[s.layer].after(detail);
  }

  function render(s, p) {
    const focused = document.activeElement && detail.contains(document.activeElement);
    if (!p || s.digit !== p.digit) { drawPicker(s); drawLayers(s); }
    else if (s.layer !== p.layer || s.channel !== p.channel) {
      document.querySelectorAll(".tile").forEach((t) => t.setAttribute("aria-pressed", String(
        t.closest(".layer").dataset.layer === s.layer && Number(t.dataset.channel) === s.channel)));
    }
    drawDetail(s);
    if (focused) {
      const target = detail.querySelector(`.big.pick [data-i="${s.i}"][data-j="${s.j}"]`);
      if (target) target.focus();
    }
  }
  store.subscribe(render);
  clear(body,
    el("p", { class: "intro" }, net.model.description),
    el("p", { class: "intro" }, "Pick a test digit, then click a feature map (a tile) and a pixel in it. " +
      "The arrow keys move the pixel. Each tile is one channel; its colour scale is shared by the layer."),
    picker, layerList);
  render(store.get(), null);
}

setupArithmetic();
setupNetwork();
