// handgrad serve's page: a drawing pad whose picture goes to POST /api/predict at every
// stroke, and the answer drawn: the 28×28 input, the probabilities, and why.
"use strict";

const pad = document.getElementById("pad");
const ink = pad.getContext("2d");
const strokes = []; // each stroke: a list of [x, y] points in the pad's pixels
const drawing = new Map(); // pointer id → its stroke, while the pointer is down (two fingers: two strokes)

// ---- Drawing (mouse, pen and touch: pointer events) -------------------------------------

function point(event) {
  const r = pad.getBoundingClientRect();
  return [(event.clientX - r.left) * pad.width / r.width, (event.clientY - r.top) * pad.height / r.height];
}

function redraw() {
  ink.fillStyle = "#fff"; // paper: the server composites transparency over white anyway
  ink.fillRect(0, 0, pad.width, pad.height);
  ink.strokeStyle = ink.fillStyle = "#000";
  ink.lineWidth = 18;
  ink.lineCap = ink.lineJoin = "round";
  for (const stroke of strokes) {
    ink.beginPath();
    if (stroke.length === 1) {
      ink.arc(stroke[0][0], stroke[0][1], ink.lineWidth / 2, 0, 2 * Math.PI);
      ink.fill();
      continue;
    }
    ink.moveTo(...stroke[0]);
    for (const p of stroke.slice(1)) ink.lineTo(...p);
    ink.stroke();
  }
}

pad.addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return; // the main button, a finger or a pen; not a right click
  pad.setPointerCapture(e.pointerId);
  const stroke = [point(e)];
  drawing.set(e.pointerId, stroke);
  strokes.push(stroke);
  redraw();
  ask();
});
pad.addEventListener("pointermove", (e) => {
  const stroke = drawing.get(e.pointerId);
  if (!stroke) return;
  stroke.push(point(e));
  redraw();
  ask();
});
for (const end of ["pointerup", "pointercancel"]) {
  pad.addEventListener(end, (e) => { if (drawing.delete(e.pointerId)) ask(); });
}
document.getElementById("undo").onclick = () => { strokes.pop(); redraw(); ask(); };
document.getElementById("clear").onclick = () => { strokes.length = 0; redraw(); ask(); };

// ---- Asking the server: one request at a time, the latest drawing wins --------------------

let busy = false;
let again = false;

function ask() {
  if (busy) { again = true; return; }
  if (strokes.length === 0) { showEmpty(); return; }
  busy = true;
  document.body.dataset.state = "waiting";
  pad.toBlob(async (png) => {
    try {
      const response = await fetch("/api/predict", { method: "POST", headers: { "Content-Type": "image/png" }, body: png });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error || response.statusText);
      show(answer);
    } catch (e) {
      document.getElementById("error").textContent = "The server said: " + e.message;
      document.body.dataset.state = "error";
    } finally {
      busy = false;
      if (again) { again = false; ask(); }
    }
  }, "image/png");
}

// ---- Drawing the answer --------------------------------------------------------------------

let emptyPrompt = "Draw a digit in the box.";

/// A diverging colour for v in [-1, 1]: blue, white at 0, red — weights.png's map.
function diverging(v) {
  v = Math.max(-1, Math.min(1, v));
  const [r, g, b] = v >= 0 ? [1, 1 - 0.85 * v, 1 - 0.85 * v] : [1 + 0.85 * v, 1 + 0.85 * v, 1];
  return [r, g, b].map((c) => Math.round(c * 255));
}

/// Paints `values` (row-major, `side` × `side`) into a canvas of that many pixels.
function paint(canvas, values, side, color) {
  canvas.width = canvas.height = side;
  const c = canvas.getContext("2d");
  const img = c.createImageData(side, side);
  values.forEach((v, i) => {
    const [r, g, b] = color(v);
    img.data.set([r, g, b, 255], 4 * i);
  });
  c.putImageData(img, 0, 0);
}

const percent = (p) => (100 * p).toFixed(1) + " %";

function show(answer) {
  document.getElementById("error").textContent = "";
  paint(document.getElementById("input"), answer.input, 28, (v) => [v, v, v]);
  document.getElementById("inverted").textContent = answer.inverted ? "(Dark ink on light paper: inverted.)" : "";

  const best = answer.top[0];
  const verdict = document.getElementById("verdict");
  verdict.textContent = `${best.name} — ${percent(best.probability)}`;
  verdict.dataset.class = best.class;

  const bars = document.getElementById("bars");
  bars.replaceChildren(...answer.classes.map((g, k) => {
    const li = document.createElement("li");
    li.className = k === 0 ? "first" : "";
    li.innerHTML = `<span></span><span class="bar"><div style="width:${(100 * g.probability).toFixed(2)}%"></div></span><span class="p">${percent(g.probability)}</span>`;
    li.firstChild.textContent = g.name;
    return li;
  }));

  const names = [];
  for (const g of answer.classes) names[g.class] = g.name;
  const why = answer.explanation;
  // What the model shows of itself: evidence maps (scores that are sums over the pixels) or
  // a hidden layer's activations.
  const evidence = why.evidence !== undefined;
  document.getElementById("why-logreg").hidden = !evidence;
  document.getElementById("why-mlp").hidden = evidence;
  if (evidence) showEvidence(why, best.class, names);
  else showHidden(why, best.class, names);

  document.body.dataset.state = "shown";
  document.body.dataset.answers = Number(document.body.dataset.answers) + 1;
  window.lastAnswer = answer;
}

/// The logistic regression: x ⊙ w_c for each class, its sum, the bias, the score.
function showEvidence(why, best, names) {
  document.getElementById("scale").textContent = why.scale.toFixed(3);
  const grid = document.getElementById("evidence");
  grid.replaceChildren(...why.evidence.map((votes, c) => {
    const figure = document.createElement("figure");
    figure.className = c === best ? "first" : "";
    const canvas = document.createElement("canvas");
    paint(canvas, votes, 28, (v) => diverging(v / why.scale));
    const caption = document.createElement("figcaption");
    caption.innerHTML = `<b></b><br>Σ ${why.sums[c].toFixed(2)} + b ${why.bias[c].toFixed(2)}<br>s = ${why.scores[c].toFixed(2)}`;
    caption.firstChild.textContent = names[c];
    figure.append(canvas, caption);
    return figure;
  }));
}

/// The MLP: the hidden activations as a square of gray cells, and the scores.
function showHidden(why, best, names) {
  document.getElementById("activation").textContent = why.activation;
  const side = Math.ceil(Math.sqrt(why.hidden.length));
  const top = Math.max(...why.hidden, 1e-9);
  const cells = Array.from({ length: side * side }, (_, i) => (i < why.hidden.length ? why.hidden[i] / top : 0));
  const canvas = document.getElementById("hidden");
  paint(canvas, cells, side, (v) => { const g = Math.round(255 * Math.max(0, v)); return [g, g, g]; });
  canvas.style.width = canvas.style.height = "280px";
  document.getElementById("scores").textContent =
    "scores s: " + why.scores.map((s, c) => `${names[c]} ${s.toFixed(2)}`).join(", ") + ` (best: ${names[best]})`;
}

function showEmpty() {
  document.getElementById("verdict").textContent = emptyPrompt;
  document.getElementById("error").textContent = "";
  document.getElementById("inverted").textContent = "";
  delete document.getElementById("verdict").dataset.class;
  document.getElementById("bars").replaceChildren();
  document.getElementById("evidence").replaceChildren();
  document.getElementById("why-logreg").hidden = document.getElementById("why-mlp").hidden = true;
  paint(document.getElementById("input"), new Array(784).fill(0), 28, (v) => [v, v, v]);
  document.body.dataset.state = "empty";
}

// ---- Start ------------------------------------------------------------------------------------

redraw();
showEmpty();
fetch("/api/model").then((r) => r.json()).then((m) => {
  const accuracy = m.test_accuracy == null ? "" : `, ${m.test_accuracy.toFixed(2)} % on its test set`;
  document.getElementById("model").textContent = `${m.architecture}, trained on ${m.dataset} (${m.epochs} epochs${accuracy})`;
  if (m.dataset !== "MNIST") emptyPrompt = "Draw a " + m.classes.slice(0, 3).join(", ") + "… in the box.";
  if (strokes.length === 0) showEmpty();
}).catch((e) => {
  document.getElementById("model").textContent = "The server did not describe its model: " + e.message;
});
