// The classroom page's drawing code. It computes nothing itself: every
// number comes from npusim's Go code compiled to WebAssembly (npusim.wasm),
// called through the global npusim object as JSON in, JSON out.
"use strict";

const $ = (id) => document.getElementById(id);

// el creates an element with attributes and children (strings become text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

// call runs one of the WebAssembly functions and unwraps its answer.
function call(name, ...args) {
  const r = JSON.parse(globalThis.npusim[name](...args));
  if (r.error !== undefined) throw new Error(r.error);
  return r.value;
}

function showError(id, message) {
  $(id).textContent = message;
  $(id).hidden = !message;
}

let defaults;

async function start() {
  const go = new Go();
  const ready = new Promise((resolve) => addEventListener("npusim-ready", resolve, { once: true }));
  let wasm;
  try {
    wasm = await WebAssembly.instantiateStreaming(fetch("npusim.wasm"), go.importObject);
  } catch (e) {
    // A server that does not label .wasm files application/wasm.
    const bytes = await (await fetch("npusim.wasm")).arrayBuffer();
    wasm = await WebAssembly.instantiate(bytes, go.importObject);
  }
  go.run(wasm.instance);
  await ready;
  defaults = call("defaults");
  initMul();
  initArray();
  initPhones();
  const ms = performance.now();
  globalThis.npusimReadyMs = ms;
  document.body.dataset.ready = "true";
  $("status").textContent = `Ready in ${(ms / 1000).toFixed(2)} s. Everything below runs in this browser.`;
}

// ---- Panel 1: 2 x 3 ----

const mulFields = ["x", "w", "x-scale", "x-zero-point", "w-scale", "w-zero-point", "out-scale", "out-zero-point"];
let sweep = null;

function mulForm() {
  const f = {};
  for (const k of mulFields) f[k] = $("mul-" + k).value;
  return f;
}

function initMul() {
  for (const k of mulFields) {
    $("mul-" + k).value = defaults.mul[k];
    $("mul-" + k).addEventListener("input", () => updateMul(k !== "out-scale"));
  }
  $("mul-slider").max = defaults.sweepPoints - 1;
  $("mul-slider").addEventListener("input", () => {
    if (!sweep) return;
    $("mul-out-scale").value = sweep.scales[+$("mul-slider").value];
    updateMul(false);
  });
  updateMul(true);
}

function updateMul(resweep) {
  const form = mulForm();
  let view;
  try {
    view = call("mul", JSON.stringify(form));
    if (resweep || !sweep) sweep = call("sweep", JSON.stringify(form), defaults.sweepPoints);
  } catch (e) {
    showError("mul-error", e.message);
    document.getElementById("mul").dataset.valid = "false";
    return;
  }
  showError("mul-error", "");
  document.getElementById("mul").dataset.valid = "true";
  renderMulSteps(view);
  renderMulTable(view);
  placeSlider(+form["out-scale"], view);
  drawMap();
}

function field(name, value) {
  return el("span", { class: "v", "data-field": name }, String(value));
}

function renderMulSteps(v) {
  const i = v.inputs, f = mulForm();
  const steps = [
    ["activation: x = ", field("x", f.x), " is stored as round(x / ", f["x-scale"], ") + ", f["x-zero-point"], " = code ", field("qx", v.qx)],
    ["weight: w = ", field("w", f.w), " is stored as round(w / ", f["w-scale"], ") + ", f["w-zero-point"], " = code ", field("qw", v.qw)],
    ["accumulator: (", v.qx, " − ", i.xParams.zeroPoint, ") × (", v.qw, " − ", i.wParams.zeroPoint, ") = ", field("acc", v.acc)],
    ["multiplier: ", f["x-scale"], " × ", f["w-scale"], " / ", f["out-scale"], " = ", field("multiplier", v.multiplier)],
    ["exact product: ", v.acc, " × multiplier = ", field("exact", v.exact), " (then + zero point ", i.outParams.zeroPoint, ")"],
    ["the right answer: x × w = ", field("product", v.product), ", nearest output code ", field("target", v.target), " (", v.targetReal, ")"],
  ];
  $("mul-steps").replaceChildren(...steps.map((parts) => el("li", {}, ...parts.map((p) => (p instanceof Node ? p : String(p))))));
  $("mul-right-head").textContent = `= ${v.product}?`;
}

function renderMulTable(v) {
  const rows = [];
  for (const r of v.variants) {
    const cls = r.right ? "right" : "wrong";
    rows.push(el("tr", { class: cls, "data-variant": r.variant },
      el("th", { scope: "row" }, r.variant),
      el("td", { "data-field": "multiplier" }, r.multiplierText),
      el("td", { "data-field": "shift" }, r.shiftText),
      el("td", { "data-field": "scaled" }, String(r.scaled)),
      el("td", { "data-field": "code" }, String(r.code)),
      el("td", { "data-field": "real" }, r.real),
      el("td", { "data-field": "right" }, r.right ? "yes" : "NO")));
    rows.push(el("tr", { class: "why", "data-why": r.variant }, el("td", { colSpan: 7 }, r.why)));
  }
  $("mul-table").tBodies[0].replaceChildren(...rows);
}

// placeSlider moves the slider to the sweep's scale nearest the typed one,
// and says which rules disagree at the typed scale (from the table's view).
function placeSlider(scale, view) {
  if (!sweep || !(scale > 0)) return;
  let best = 0;
  sweep.scales.forEach((s, i) => {
    if (Math.abs(Math.log(+s / scale)) < Math.abs(Math.log(+sweep.scales[best] / scale))) best = i;
  });
  $("mul-slider").value = best;
  const ref = view.variants[0];
  const names = view.variants.filter((r) => r.code !== ref.code).map((r) => r.variant);
  const typed = $("mul-out-scale").value;
  $("mul-slider-text").textContent = names.length === 0
    ? `Output scale ${typed}: every rule gives code ${ref.code}.`
    : `Output scale ${typed}: ${names.length} of ${view.variants.length - 1} rules ${names.length === 1 ? "disagrees" : "disagree"} with double rounding (${names.join(", ")}).`;
  // The stretch of scales around the slider where the rules agree (or not).
  const agree = (i) => sweep.disagree[i] === 0;
  let lo = best, hi = best;
  while (lo > 0 && agree(lo - 1) === agree(best)) lo--;
  while (hi < sweep.scales.length - 1 && agree(hi + 1) === agree(best)) hi++;
  const where = `output scales ${sweep.scales[lo]} to ${sweep.scales[hi]}`;
  let text = agree(best) ? `All the rules agree for ${where}.` : `The rules disagree for ${where}.`;
  if (agree(best) && hi < sweep.scales.length - 1) text += ` They start to disagree at ${sweep.scales[hi + 1]}.`;
  if (agree(best) && lo > 0) text += ` Going down, they start to disagree at ${sweep.scales[lo - 1]}.`;
  $("mul-map-text").textContent = text;
  $("mul-slider").dataset.index = best;
}

// drawMap draws the slider's map: a row per rule, named at the left, a
// column per output scale, coloured where the rule's code differs from the
// reference's; a red line marks the slider.
function drawMap() {
  if (!sweep) return;
  const canvas = $("mul-map"), ctx = canvas.getContext("2d");
  const n = sweep.scales.length, rows = sweep.variants.length;
  const label = 170, cw = 3, rh = 20;
  canvas.width = label + n * cw;
  canvas.height = rows * rh;
  canvas.style.width = `${canvas.width}px`;
  canvas.style.height = `${canvas.height}px`;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#f2f2f2";
  ctx.fillRect(label, 0, n * cw, canvas.height);
  ctx.font = "14px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (let k = 0; k < rows; k++) {
    ctx.fillStyle = "#1a1a1a";
    ctx.fillText(sweep.variants[k], label - 6, k * rh + rh / 2);
    for (let i = 0; i < n; i++) {
      const d = sweep.codes[k][i] - sweep.codes[0][i];
      if (d === 0) continue;
      ctx.fillStyle = d < 0 ? "#1f5fa8" : "#f0a030";
      ctx.fillRect(label + i * cw, k * rh + 3, cw, rh - 6);
    }
  }
  ctx.fillStyle = "#c00";
  ctx.fillRect(label + +$("mul-slider").value * cw, 0, cw, canvas.height);
}

// ---- Panel 2: inside the array ----

let arrayView = null, frameIndex = 0, timer = null;
const arrayFields = ["m", "k", "n", "seed", "variant", "multiplier"];

function initArray() {
  $("array-variant").replaceChildren(...defaults.arrayVariants.map((v) => el("option", { value: v }, v)));
  for (const k of arrayFields) {
    $("array-" + k).value = defaults.array[k];
    $("array-" + k).addEventListener("change", loadArray);
  }
  $("array-reset").addEventListener("click", () => showFrame(0));
  $("array-back").addEventListener("click", () => showFrame(frameIndex - 1));
  $("array-step").addEventListener("click", () => showFrame(frameIndex + 1));
  $("array-play").addEventListener("click", togglePlay);
  $("array-cycle").addEventListener("input", () => showFrame(+$("array-cycle").value));
  loadArray();
}

function arrayRequest() {
  return {
    m: +$("array-m").value, k: +$("array-k").value, n: +$("array-n").value,
    seed: +$("array-seed").value, variant: $("array-variant").value, multiplier: +$("array-multiplier").value,
  };
}

function loadArray() {
  stopPlay();
  try {
    arrayView = call("array", JSON.stringify(arrayRequest()));
  } catch (e) {
    showError("array-error", e.message);
    return;
  }
  showError("array-error", "");
  const v = arrayView;
  matrixTable("array-a", v.a);
  matrixTable("array-b", v.b);
  buildGrid(v);
  $("array-requant").replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, "stage"), ...Array.from({ length: v.lanes }, (_, l) => el("th", {}, `lane ${l}`)))),
    el("tbody", {}, ...v.stages.map((s, i) => el("tr", { "data-stage": i }, el("th", { scope: "row" }, s),
      ...Array.from({ length: v.lanes }, () => el("td", {}, ""))))));
  $("array-folds").replaceChildren(
    el("thead", {}, el("tr", {}, ...["fold", "rows r", "columns c", "streamed M", "2r + c + M − 2", "counted", "cycles"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...v.folds.map((f) => el("tr", { "data-fold": f.index },
      el("td", {}, String(f.index)), el("td", {}, String(f.r)), el("td", {}, String(f.c)), el("td", {}, String(f.t)),
      el("td", { "data-field": "formula" }, f.formula), el("td", { "data-field": "counted" }, String(f.cycles)),
      el("td", {}, `${f.start} – ${f.start + f.cycles - 1}`)))));
  $("array-totals").textContent = `The array took ${v.matmulCycles} cycles in ${v.folds.length} fold${v.folds.length === 1 ? "" : "s"}; ` +
    `the fast model's formula gives ${v.fastCycles}. Requantization (${v.variant}, multiplier ${v.multiplier}, ${v.lanes} lanes): ` +
    `${v.requantFormula} cycles by the formula, ${v.requantCycles} in the pipeline.`;
  $("array-cycle").max = v.frames.length - 1;
  showFrame(0);
}

function matrixTable(id, rows) {
  $(id).replaceChildren(...rows.map((r, i) => el("tr", {}, ...r.map((x, j) => el("td", { "data-cell": `${i},${j}` }, x === null ? "" : String(x))))));
}

// buildGrid lays out the north inputs, the west inputs and PEs, and the
// write ports below.
function buildGrid(v) {
  const grid = $("array-grid");
  grid.style.gridTemplateColumns = `auto repeat(${v.cols}, 1fr)`;
  const cells = [el("div", { class: "corner" })];
  for (let c = 0; c < v.cols; c++) cells.push(el("div", { class: "edge north", "data-north": c }));
  for (let r = 0; r < v.rows; r++) {
    cells.push(el("div", { class: "edge west", "data-west": r }));
    for (let c = 0; c < v.cols; c++) {
      cells.push(el("div", { class: "pe", "data-pe": `${r},${c}` },
        el("span", { class: "w" }), el("span", { class: "a" }), el("span", { class: "p" })));
    }
  }
  cells.push(el("div", { class: "corner" }));
  for (let c = 0; c < v.cols; c++) cells.push(el("div", { class: "edge port", "data-port": c }));
  grid.replaceChildren(...cells);
}

function setReg(span, label, value) {
  span.textContent = value === null ? "" : `${label} ${value}`;
  span.classList.toggle("on", value !== null);
}

function showFrame(i) {
  const v = arrayView;
  if (!v) return;
  frameIndex = Math.max(0, Math.min(v.frames.length - 1, i));
  const f = v.frames[frameIndex];
  const last = v.frames.length - 1;
  let what;
  if (f.unit === "array") what = `array: fold ${f.fold}, ${f.phase} phase, cycle ${f.t} of the phase`;
  else if (f.unit === "requant") what = "requantization pipeline";
  else what = `done: ${v.matmulCycles} array cycles + ${v.requantCycles} requantization cycles`;
  $("array-now").textContent = `cycle ${f.cycle} of ${last}: ${what}`;
  $("array-now").dataset.cycle = f.cycle;
  $("array-cycle").value = frameIndex;
  const grid = $("array-grid");
  for (let r = 0; r < v.rows; r++) {
    for (let c = 0; c < v.cols; c++) {
      const pe = f.pes ? f.pes[r][c] : { w: null, a: null, p: null };
      const cell = grid.querySelector(`[data-pe="${r},${c}"]`);
      setReg(cell.children[0], "w", pe.w);
      setReg(cell.children[1], "a", pe.a);
      setReg(cell.children[2], "p", pe.p);
    }
  }
  for (let c = 0; c < v.cols; c++) setEdge(grid.querySelector(`[data-north="${c}"]`), f.north ? f.north[c] : null, "↓");
  for (let r = 0; r < v.rows; r++) setEdge(grid.querySelector(`[data-west="${r}"]`), f.west ? f.west[r] : null, "→");
  for (let c = 0; c < v.cols; c++) {
    const w = (f.writes || []).find((x) => x.col % v.cols === c); // port c serves columns n0 + c
    setEdge(grid.querySelector(`[data-port="${c}"]`), w ? `acc[${w.row}][${w.col}] += ${w.value}` : null, "");
  }
  matrixTable("array-acc", f.acc);
  matrixTable("array-out", f.out);
  const body = $("array-requant").tBodies[0];
  f.stages.forEach((lanes, s) => lanes.forEach((st, l) => {
    const td = body.rows[s].cells[l + 1];
    td.textContent = st ? `[${st.row},${st.col}] ${st.value}` : "";
    td.classList.toggle("on", !!st);
  }));
  for (const tr of $("array-folds").tBodies[0].rows) {
    tr.classList.toggle("current", f.unit === "array" && +tr.dataset.fold === f.fold);
  }
  if (frameIndex === last) stopPlay();
}

function setEdge(node, value, arrow) {
  node.textContent = value === null || value === undefined ? "" : `${value}${arrow}`;
  node.classList.toggle("on", value !== null && value !== undefined);
}

function togglePlay() {
  if (timer) return stopPlay();
  if (frameIndex === arrayView.frames.length - 1) showFrame(0);
  timer = setInterval(() => showFrame(frameIndex + 1), 500);
  $("array-play").textContent = "‖ pause";
}

function stopPlay() {
  if (timer) clearInterval(timer);
  timer = null;
  $("array-play").textContent = "▶ play";
}

// ---- Panel 3: one network, many phones ----

const side = 32;
let bits = new Array(side * side).fill(false);
let penDown = false, lastPoint = null;

function initPhones() {
  $("phones-workload").replaceChildren(...defaults.workloads.map((w) => el("option", { value: w }, w)));
  $("phones-hw").replaceChildren(...defaults.hw.map((h) => el("option", { value: h }, h)));
  $("phones-workload").value = defaults.phones.workload;
  $("phones-hw").value = defaults.phones.hw;
  $("phones-test").value = defaults.phones.test;
  $("phones-workload").addEventListener("change", classify);
  $("phones-hw").addEventListener("change", classify);
  $("phones-test").addEventListener("change", () => pickTest(+$("phones-test").value));
  $("phones-prev").addEventListener("click", () => pickTest(+$("phones-test").value - 1));
  $("phones-next").addEventListener("click", () => pickTest(+$("phones-test").value + 1));
  $("phones-clear").addEventListener("click", () => { clearDrawing(); classify(); });
  const canvas = $("phones-canvas");
  canvas.addEventListener("pointerdown", (e) => { penDown = true; lastPoint = null; canvas.setPointerCapture(e.pointerId); $("phones-test").value = ""; pen(e); });
  canvas.addEventListener("pointermove", (e) => { if (penDown) pen(e); });
  canvas.addEventListener("pointerup", () => { penDown = false; classify(); });
  drawBits();
  $("phones-summary").textContent = "Running the network on every phone…";
  setTimeout(classify, 0); // after the first paint
}

function pickTest(i) {
  $("phones-test").value = Math.max(0, i);
  clearDrawing();
  classify();
}

function clearDrawing() {
  bits = new Array(side * side).fill(false);
  drawBits();
}

// pen marks the grid cells within 2 cells of the pointer (a stroke as thick
// as the data set's), along the line
// from the previous point, so that a fast stroke leaves no gaps.
function pen(e) {
  const canvas = $("phones-canvas"), box = canvas.getBoundingClientRect();
  const p = { x: (e.clientX - box.left) / box.width * side, y: (e.clientY - box.top) / box.height * side };
  const from = lastPoint || p;
  const steps = Math.max(1, Math.ceil(Math.hypot(p.x - from.x, p.y - from.y) * 2));
  for (let s = 0; s <= steps; s++) {
    const x = from.x + (p.x - from.x) * s / steps, y = from.y + (p.y - from.y) * s / steps;
    for (let gy = Math.floor(y - 3); gy <= y + 3; gy++) {
      for (let gx = Math.floor(x - 3); gx <= x + 3; gx++) {
        if (gx >= 0 && gx < side && gy >= 0 && gy < side && Math.hypot(gx + 0.5 - x, gy + 0.5 - y) <= 2) bits[gy * side + gx] = true;
      }
    }
  }
  lastPoint = p;
  drawBits();
}

function drawBits() {
  const canvas = $("phones-canvas"), ctx = canvas.getContext("2d"), cell = canvas.width / side;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#111";
  bits.forEach((b, i) => { if (b) ctx.fillRect((i % side) * cell, Math.floor(i / side) * cell, cell, cell); });
  canvas.dataset.bits = bits.map((b) => (b ? "1" : "0")).join("");
}

function classify() {
  const req = { workload: $("phones-workload").value, hw: $("phones-hw").value, test: -1 };
  const drawn = $("phones-test").value === "";
  let view;
  try {
    if (drawn) req.pixels = call("downsample", JSON.stringify(bits));
    else req.test = +$("phones-test").value;
    view = call("phones", JSON.stringify(req));
  } catch (e) {
    showError("phones-error", e.message);
    return;
  }
  showError("phones-error", "");
  $("phones-test").max = view.tests - 1;
  renderDigit(view);
  renderPhones(view);
  if (globalThis.npusimPhonesMs === undefined) globalThis.npusimPhonesMs = performance.now();
  $("phones").dataset.classified = String((+$("phones").dataset.classified || 0) + 1);
}

function renderDigit(v) {
  const image = $("phones-image");
  image.replaceChildren(...v.pixels.map((p) => el("div", { style: `background: rgb(${255 - p * 15},${255 - p * 15},${255 - p * 15})` })));
  image.dataset.pixels = v.pixels.join(",");
  $("phones-label").textContent = v.label === null ? "your drawing (8 × 8, each pixel 0 … 16)" : `test image ${$("phones-test").value}, labelled ${v.label}`;
}

function renderPhones(v) {
  const row = (p, isRef) => {
    const cells = [el("th", { scope: "row", title: p.description || "" }, p.policy)];
    if (p.error) {
      cells.push(el("td", { colSpan: 12, class: "cannot" }, `cannot run on ${v.hw}: ${p.error}`));
    } else {
      cells.push(el("td", { class: "class", "data-field": "class" }, String(p.class)));
      p.codes.forEach((c, i) => cells.push(el("td", { class: c === v.reference.codes[i] ? "code" : "code differs", "data-code": i }, String(c))));
      cells.push(el("td", {}, isRef ? "" : String(p.cycles)));
    }
    const cls = isRef ? "reference" : p.error ? "error" : p.sameClass ? (p.sameCodes ? "same" : "close") : "other";
    return el("tr", { class: cls, "data-policy": p.policy, "data-class": p.error ? "" : String(p.class) }, ...cells);
  };
  $("phones-table").tBodies[0].replaceChildren(row(v.reference, true), ...v.phones.map((p) => row(p, false)));
  const ran = v.phones.filter((p) => !p.error).length;
  const parts = v.tally.map((t) => `${t.class} (${t.phones} phone${t.phones === 1 ? "" : "s"})`);
  $("phones-summary").textContent = v.tally.length === 1
    ? `All ${ran} phones that can run on ${v.hw} report ${v.tally[0].class}; the reference interpreter says ${v.reference.class}.`
    : `The ${ran} phones disagree: ${parts.join(", ")}. The reference interpreter says ${v.reference.class}.`;
}

start().catch((e) => {
  $("status").textContent = `npusim could not start: ${e.message}`;
  $("status").classList.add("error");
  throw e;
});
