// BlazeFace (MediaPipe face detection, front 128x128) post-processing for JavaScript hosts: the same anchors, decoding
// and weighted non-maximum suppression as the .NET demo's src/Host/Demo/BlazeFace.cs, so a page gets the same faces
// from the same module outputs. Coordinates are normalised to 0..1 of the (letterboxed) square input.

export const INPUT_SIZE = 128;
export const SCORE_THRESHOLD = 0.75;
export const IOU_THRESHOLD = 0.3;
const SCORE_CLIP = 100;
const LAYERS = [{ stride: 8, perCell: 2 }, { stride: 16, perCell: 6 }]; // 16x16x2 + 8x8x6 = 896 anchors

/** Anchor centres [x, y] in 0..1, in the order of the model's outputs. */
export function anchors() {
  const result = [];
  for (const { stride, perCell } of LAYERS) {
    const grid = INPUT_SIZE / stride;
    for (let row = 0; row < grid; row++) {
      for (let col = 0; col < grid; col++) {
        for (let a = 0; a < perCell; a++) result.push([(col + 0.5) / grid, (row + 0.5) / grid]);
      }
    }
  }
  return result;
}

/** All 896 scores and 896x16 regressors from the module's outputs, told apart by shape ([1,n,1] vs [1,n,16]). */
export function gather(outputs) {
  const list = Object.values(outputs);
  const pick = (last) => list.filter((o) => o.shape[o.shape.length - 1] === last).sort((a, b) => b.data.length - a.data.length);
  const concat = (parts) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p.data, at); at += p.data.length; }
    return out;
  };
  return { scores: concat(pick(1)), boxes: concat(pick(16)) };
}

/** Raw scores and regressors → detections above the threshold: { score, xMin, yMin, xMax, yMax, keypoints[12] }. */
export function decode(scores, boxes) {
  const all = anchors();
  if (scores.length !== all.length || boxes.length !== all.length * 16) {
    throw new Error(`BlazeFace front expects ${all.length} scores and ${all.length * 16} box values, got ${scores.length} and ${boxes.length}`);
  }
  const detections = [];
  for (let i = 0; i < all.length; i++) {
    const score = Math.fround(1 / (1 + Math.exp(-Math.min(SCORE_CLIP, Math.max(-SCORE_CLIP, scores[i])))));
    if (score < SCORE_THRESHOLD) continue;
    const [ax, ay] = all[i];
    const r = boxes.subarray(i * 16, i * 16 + 16);
    const cx = r[0] / INPUT_SIZE + ax, cy = r[1] / INPUT_SIZE + ay, w = r[2] / INPUT_SIZE, h = r[3] / INPUT_SIZE;
    const keypoints = [];
    for (let k = 0; k < 6; k++) keypoints.push(r[4 + 2 * k] / INPUT_SIZE + ax, r[5 + 2 * k] / INPUT_SIZE + ay);
    detections.push({ score, xMin: cx - w / 2, yMin: cy - h / 2, xMax: cx + w / 2, yMax: cy + h / 2, keypoints });
  }
  return detections;
}

export function iou(a, b) {
  const w = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
  const h = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - inter);
}

/** MediaPipe's weighted NMS: each kept face is the score-weighted mean of the detections it absorbs. */
export function weightedNms(detections, threshold = IOU_THRESHOLD) {
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const result = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const cluster = remaining.filter((d) => iou(best, d) > threshold);
    remaining = remaining.filter((d) => d !== best && iou(best, d) <= threshold);
    const total = cluster.reduce((s, d) => s + d.score, 0);
    const mean = (pick) => cluster.reduce((s, d) => s + pick(d) * d.score, 0) / total;
    result.push({
      score: best.score,
      xMin: mean((d) => d.xMin), yMin: mean((d) => d.yMin), xMax: mean((d) => d.xMax), yMax: mean((d) => d.yMax),
      keypoints: best.keypoints.map((_, k) => mean((d) => d.keypoints[k])),
    });
  }
  return result;
}

/** How a width x height photo is centred on a square before resizing (integer padding, as the C# demo does). */
export function letterbox(width, height) {
  const side = Math.max(width, height);
  return { side, padX: Math.floor((side - width) / 2), padY: Math.floor((side - height) / 2) };
}

/** Normalised detection → pixels of the original photo. */
export function toPixels(d, box) {
  const x = (v) => v * box.side - box.padX;
  const y = (v) => v * box.side - box.padY;
  return {
    score: d.score, xMin: x(d.xMin), yMin: y(d.yMin), xMax: x(d.xMax), yMax: y(d.yMax),
    keypoints: d.keypoints.map((v, i) => (i % 2 === 0 ? x(v) : y(v))),
  };
}

/** Module outputs → faces in photo pixels, strongest first. */
export function detectFaces(outputs, box) {
  const { scores, boxes } = gather(outputs);
  return weightedNms(decode(scores, boxes)).map((d) => toPixels(d, box));
}
