/* convviz explore, shared part: the data model and small DOM helpers.
   The page does no arithmetic: every number shown is in DATA, computed by convviz in
   Python. JavaScript only picks numbers out of DATA and formats them. */
"use strict";

const DATA = JSON.parse(document.getElementById("convviz-data").textContent);

/* One tiny store per part of the page; views subscribe and redraw what changed. */
function createStore(initial) {
  let state = initial;
  const listeners = [];
  return {
    get: () => state,
    set(patch) {
      const previous = state;
      state = Object.assign({}, state, patch);
      listeners.forEach((listener) => listener(state, previous));
    },
    subscribe(listener) { listeners.push(listener); },
  };
}

/* el("div", {class: "x", onclick: f}, child, "text", ...) */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clear(node, ...children) { node.replaceChildren(...children.flat(Infinity).filter(Boolean)); return node; }

/* How a number is written: integers as they are, others with 4 significant digits
   (a formatting of Python's number, never a new number). */
function fmt(value) {
  if (value === null || value === undefined) return "";
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  let text = value.toPrecision(4);
  if (text.includes("e")) return text;
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" ? "0" : text;
}

/* A factor inside a written sum: negative numbers in brackets. */
function factor(value) { const text = fmt(value); return text.startsWith("-") ? `(${text})` : text; }

function signClass(value) { return value > 0 ? "pos" : value < 0 ? "neg" : null; }

/* A number cell; data-v keeps Python's full value for anyone who wants it (and the tests). */
function numCell(value, cls, tag) {
  return el(tag || "div", { class: "cell " + (cls || ""), "data-v": String(value) }, fmt(value));
}

/* A grid of number cells. opts: cls(i, j) -> extra classes, cols (default: row length). */
function numGrid(rows, opts) {
  opts = opts || {};
  const cells = [];
  rows.forEach((row, i) => row.forEach((value, j) => {
    cells.push(numCell(value, opts.cls ? opts.cls(i, j, value) : ""));
  }));
  return el("div", { class: "grid " + (opts.gridClass || ""), style: `--cols:${rows[0].length}`,
                     role: "img", "aria-label": opts.label || null }, cells);
}

function gridBox(caption, grid, extra) {
  return el("div", { class: "grid-box" + (extra ? " " + extra : "") }, el("div", { class: "cap" }, caption),
            el("div", { class: "scroll" }, grid));
}

/* Base64 float32 arrays (large network values) to nested arrays of numbers. */
const decoded = new WeakMap();
function decode(encoded) {
  if (!encoded) return null;
  if (decoded.has(encoded)) return decoded.get(encoded);
  const binary = atob(encoded.f32);
  const bytes = new Uint8Array(binary.length);
  for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
  const flat = new Float32Array(bytes.buffer);
  const nest = (offset, dims) => {
    if (dims.length === 0) return flat[offset];
    const [n, ...rest] = dims;
    const size = rest.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, k) => nest(offset + k * size, rest));
  };
  const value = nest(0, encoded.shape);
  decoded.set(encoded, value);
  return value;
}

/* Arrow keys move a selection (i, j) across a rows x cols grid; Home/End jump in a row. */
function arrowMove(event, i, j, rows, cols) {
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (event.key === "Home") return [i, 0];
  if (event.key === "End") return [i, cols - 1];
  const move = moves[event.key];
  if (!move) return null;
  return [Math.min(rows - 1, Math.max(0, i + move[0])), Math.min(cols - 1, Math.max(0, j + move[1]))];
}
