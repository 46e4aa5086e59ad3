// Benchmark tooling, not a backend: runs the graph that `webdnn bench` exported (TfjsGraphExporter.cs) with
// TensorFlow.js ops, the fused ones its converter would produce, in the layout TF.js prefers (NHWC).
// 4-D activations are kept NHWC from the first spatial op on ("nhwc" values); ops that need ONNX's own layout
// (reshape, transpose, ...) see an NCHW view. An op or expression this file does not map makes the whole engine
// report "n/a: OP" (see unsupportedOps) instead of failing the run.

/* global tf */

const SPATIAL = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
  'BatchNormalization', 'InstanceNormalization', 'Resize', 'Upsample']);
const PASSTHROUGH = new Set(['Identity', 'Dropout']);

const UNARY = {
  Neg: (a) => tf.neg(a), Abs: (a) => tf.abs(a), Exp: (a) => tf.exp(a), Log: (a) => tf.log(a), Sqrt: (a) => tf.sqrt(a),
  Reciprocal: (a) => tf.reciprocal(a), Relu: (a) => tf.relu(a), Sigmoid: (a) => tf.sigmoid(a), Tanh: (a) => tf.tanh(a),
  Erf: (a) => tf.erf(a), Floor: (a) => tf.floor(a), Ceil: (a) => tf.ceil(a), Round: (a) => tf.round(a),
  Sin: (a) => tf.sin(a), Cos: (a) => tf.cos(a), Tan: (a) => tf.tan(a), Asin: (a) => tf.asin(a), Acos: (a) => tf.acos(a),
  Atan: (a) => tf.atan(a), Sinh: (a) => tf.sinh(a), Cosh: (a) => tf.cosh(a), Asinh: (a) => tf.asinh(a),
  Acosh: (a) => tf.acosh(a), Atanh: (a) => tf.atanh(a), Sign: (a) => tf.sign(a), Not: (a) => tf.logicalNot(a),
  IsNaN: (a) => tf.isNaN(a), IsInf: (a) => tf.isInf(a), Softplus: (a) => tf.softplus(a),
  Softsign: (a) => tf.div(a, tf.add(tf.abs(a), 1)),
};
const BINARY = {
  Add: (a, b) => tf.add(a, b), Sub: (a, b) => tf.sub(a, b), Mul: (a, b) => tf.mul(a, b), Div: (a, b) => tf.div(a, b),
  Pow: (a, b) => tf.pow(a, b), Max: (a, b) => tf.maximum(a, b), Min: (a, b) => tf.minimum(a, b),
  Mod: (a, b) => tf.mod(a, b), Equal: (a, b) => tf.equal(a, b), Less: (a, b) => tf.less(a, b),
  LessOrEqual: (a, b) => tf.lessEqual(a, b), Greater: (a, b) => tf.greater(a, b),
  GreaterOrEqual: (a, b) => tf.greaterEqual(a, b), And: (a, b) => tf.logicalAnd(a, b),
  Or: (a, b) => tf.logicalOr(a, b), Xor: (a, b) => tf.logicalXor(a, b),
};
// ONNX elementwise ops that are one TF.js call (the graph may still hold them when a pass did not fuse them).
const ONNX_UNARY = {
  Relu: 'Relu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', Exp: 'Exp', Log: 'Log', Sqrt: 'Sqrt', Abs: 'Abs', Neg: 'Neg',
  Erf: 'Erf', Floor: 'Floor', Ceil: 'Ceil', Reciprocal: 'Reciprocal', Sin: 'Sin', Cos: 'Cos', Not: 'Not',
  IsNaN: 'IsNaN', Sign: 'Sign', Round: 'Round', Softplus: 'Softplus', Softsign: 'Softsign',
};
const ONNX_BINARY = {
  Add: 'Add', Sub: 'Sub', Mul: 'Mul', Div: 'Div', Pow: 'Pow', Equal: 'Equal', Less: 'Less', Greater: 'Greater',
  LessOrEqual: 'LessOrEqual', GreaterOrEqual: 'GreaterOrEqual', And: 'And', Or: 'Or', Xor: 'Xor', Mod: 'Mod',
};
const VARIADIC = { Sum: 'Add', Max: 'Max', Min: 'Min', Mean: 'Add' };

function exprUnsupported(e, out) {
  switch (e.k) {
    case 'in': case 'c': return;
    case 'un': if (!UNARY[e.op]) out.add(e.op); exprUnsupported(e.a, out); return;
    case 'bin': if (!BINARY[e.op]) out.add(e.op); exprUnsupported(e.a, out); exprUnsupported(e.b, out); return;
    case 'sel': exprUnsupported(e.c, out); exprUnsupported(e.a, out); exprUnsupported(e.b, out); return;
    case 'cast': exprUnsupported(e.a, out); return;
    default: out.add(String(e.op ?? e.k));
  }
}

function constNumber(v) {
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
}

function evalExpr(e, ins) {
  switch (e.k) {
    case 'in': return ins[e.i];
    case 'c': return tf.scalar(constNumber(e.v), e.t);
    case 'un': return UNARY[e.op](evalExpr(e.a, ins));
    case 'bin': return BINARY[e.op](evalExpr(e.a, ins), evalExpr(e.b, ins));
    case 'sel': return tf.where(evalExpr(e.c, ins), evalExpr(e.a, ins), evalExpr(e.b, ins));
    case 'cast': return tf.cast(evalExpr(e.a, ins), e.to);
    default: throw new Error(`n/a: ${e.op ?? e.k}`);
  }
}

const isIn0 = (e) => e.k === 'in' && e.i === 0;
const isConst = (e, v) => e.k === 'c' && constNumber(e.v) === v;

/** The TF.js fused activation an epilogue expression is, or null: relu, relu6, sigmoid, leakyrelu, linear. */
function fusedActivation(e) {
  if (isIn0(e)) return { activation: 'linear' };
  if (e.k === 'un' && e.op === 'Relu' && isIn0(e.a)) return { activation: 'relu' };
  if (e.k === 'un' && e.op === 'Sigmoid' && isIn0(e.a)) return { activation: 'sigmoid' };
  if (e.k === 'bin' && e.op === 'Max' && isIn0(e.a) && isConst(e.b, 0)) return { activation: 'relu' };
  // Clip(0, 6) = Min(Max(x, 0), 6) or Max(Min(x, 6), 0)
  if (e.k === 'bin' && e.op === 'Min' && isConst(e.b, 6) && e.a.k === 'bin' && e.a.op === 'Max' && isIn0(e.a.a) && isConst(e.a.b, 0)) return { activation: 'relu6' };
  if (e.k === 'bin' && e.op === 'Max' && isConst(e.b, 0) && e.a.k === 'bin' && e.a.op === 'Min' && isIn0(e.a.a) && isConst(e.a.b, 6)) return { activation: 'relu6' };
  // LeakyRelu = Select(Less(x, 0), Mul(x, alpha), x)
  if (e.k === 'sel' && e.c.k === 'bin' && e.c.op === 'Less' && isIn0(e.c.a) && isConst(e.c.b, 0) && isIn0(e.b)
    && e.a.k === 'bin' && e.a.op === 'Mul' && isIn0(e.a.a) && e.a.b.k === 'c') {
    return { activation: 'leakyrelu', leakyreluAlpha: constNumber(e.a.b.v) };
  }
  return null;
}

/** ONNX pads [b0, b1, e0, e1] (or auto_pad) of a 2-D window op as [top, bottom, left, right]. */
function windowPads(attrs, inH, inW, kH, kW, sH, sW, dH, dW) {
  const auto = attrs.auto_pad ?? 'NOTSET';
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const total = (inp, k, s, d) => Math.max(0, (Math.ceil(inp / s) - 1) * s + (k - 1) * d + 1 - inp);
    const th = total(inH, kH, sH, dH), tw = total(inW, kW, sW, dW);
    const lo = (t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2));
    return [lo(th), th - lo(th), lo(tw), tw - lo(tw)];
  }
  const p = attrs.pads ?? [0, 0, 0, 0];
  return [p[0], p[2], p[1], p[3]];
}

export class TfjsGraph {
  /** @param graph the exported JSON; @param weights ArrayBuffer of the blob. Creates the constants on the active backend. */
  constructor(graph, weights) {
    this.g = graph;
    this.consts = new Map();
    for (const c of graph.consts) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const data = c.dtype === 'float32' ? new Float32Array(weights, c.offset, n)
        : c.dtype === 'int32' ? new Int32Array(weights, c.offset, n)
          : Uint8Array.from(new Uint8Array(weights, c.offset, n));
      this.consts.set(c.id, tf.tensor(data, c.shape, c.dtype === 'bool' ? 'bool' : c.dtype));
    }
    this.constJs = new Map(); // id -> plain JS number array (shape/axes operands), lazily
    this.nhwcConsts = new Map(); // id -> NHWC-broadcast form of a constant
    this.uses = new Map();
    for (const n of graph.nodes) for (const i of n.inputs) if (i !== null) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const o of graph.outputs) this.uses.set(o.id, (this.uses.get(o.id) ?? 0) + 1);
  }

  /** Op names this interpreter cannot run (empty: it can run the graph). */
  static unsupportedOps(graph) {
    const out = new Set();
    for (const n of graph.nodes) {
      const op = n.domain ? `${n.domain}.${n.op}` : n.op;
      if (n.subgraphs) { out.add(op); continue; }
      if (n.domain === 'com.webdnn' && n.op === 'Elementwise') { exprUnsupported(n.attrs.expr, out); continue; }
      if (n.domain) { out.add(op); continue; }
      if (!(n.op in OPS)) { out.add(op); continue; }
      if ((n.op === 'Conv' || n.op === 'ConvTranspose') && n.attrs['tf.filter'] === undefined) out.add(`${n.op} (non-constant or non-2-D filter)`);
      if (n.attrs['webdnn.epilogue']) exprUnsupported(n.attrs['webdnn.epilogue'], out);
    }
    return [...out];
  }

  dispose() {
    for (const t of this.consts.values()) t.dispose();
    for (const t of this.nhwcConsts.values()) t.dispose();
  }

  /** Runs the graph. feeds: input name -> tf.Tensor (NCHW as in the model). Returns the outputs in order, ONNX layout. */
  execute(feeds) {
    const env = new Map(); // id -> { t, nhwc, plain? }
    for (const i of this.g.inputs) env.set(i.id, { t: feeds[i.name], nhwc: false, keep: true });
    for (const n of this.g.nodes) {
      const outs = tf.tidy(() => {
        const r = this.runNode(n, env);
        return Array.isArray(r) ? r : [r];
      });
      n.outputs.forEach((id, k) => env.set(id, outs[k]));
      for (const i of n.inputs) if (i !== null) this.release(i, env);
    }
    const results = this.g.outputs.map((o) => {
      const v = this.value(o.id, env);
      return tf.tidy(() => (v.nhwc ? tf.transpose(v.t, [0, 3, 1, 2]) : tf.clone(v.t)));
    });
    for (const o of this.g.outputs) this.release(o.id, env);
    return results;
  }

  release(id, env) {
    if (!env.has(id)) return;
    const v = env.get(id);
    v.left = (v.left ?? this.uses.get(id) ?? 1) - 1;
    if (v.left <= 0 && !v.keep && !v.isConst) {
      v.t.dispose();
      if (v.plain) v.plain.dispose();
      env.delete(id);
    }
  }

  value(id, env) {
    if (env.has(id)) return env.get(id);
    const c = this.consts.get(id);
    if (!c) throw new Error(`value ${id} is not computed`);
    return { t: c, nhwc: false, isConst: true, id };
  }

  // ---- layout helpers -------------------------------------------------------------------------------
  /** The tensor in ONNX layout. */
  plain(id, env) {
    const v = this.value(id, env);
    if (!v.nhwc) return v.t;
    if (!v.plain) v.plain = tf.keep(tf.transpose(v.t, [0, 3, 1, 2]));
    return v.plain;
  }

  /** A rank-4 NCHW tensor as NHWC. */
  nhwc(id, env) {
    const v = this.value(id, env);
    if (v.nhwc) return v.t;
    if (v.t.rank !== 4) throw new Error(`n/a: expected a 4-D tensor, got rank ${v.t.rank}`);
    return tf.transpose(v.t, [0, 2, 3, 1]);
  }

  /** Operand of an elementwise op whose result is NHWC: rank ≤ 4 ONNX broadcast shapes move their C axis last. */
  bcastNhwc(id, env) {
    const v = this.value(id, env);
    if (v.nhwc) return v.t;
    const make = () => {
      const s = v.t.shape;
      const padded = [...Array(4 - s.length).fill(1), ...s];
      return tf.transpose(tf.reshape(v.t, padded), [0, 2, 3, 1]);
    };
    if (v.isConst) {
      if (!this.nhwcConsts.has(id)) this.nhwcConsts.set(id, tf.keep(make()));
      return this.nhwcConsts.get(id);
    }
    return make();
  }

  /** Elementwise operands: NHWC when any operand is NHWC and all have rank ≤ 4, else ONNX layout. */
  operands(ids, env) {
    const present = ids.filter((i) => i !== null);
    const anyNhwc = present.some((i) => this.value(i, env).nhwc);
    if (anyNhwc && present.every((i) => this.value(i, env).t.rank <= 4)) {
      return { nhwc: true, ts: ids.map((i) => (i === null ? null : this.bcastNhwc(i, env))) };
    }
    return { nhwc: false, ts: ids.map((i) => (i === null ? null : this.plain(i, env))) };
  }

  /** A constant (or small computed) integer/float operand as a JS array. */
  numbers(id, env) {
    if (id === null || id === undefined) return null;
    if (this.constJs.has(id)) return this.constJs.get(id);
    const c = this.consts.get(id);
    if (c) { const a = Array.from(c.dataSync()); this.constJs.set(id, a); return a; }
    return Array.from(this.plain(id, env).dataSync());
  }

  outShape(id) {
    const s = this.g.values[String(id)]?.shape;
    return s && s.every((d) => d >= 0) ? s : null;
  }

  runNode(n, env) {
    if (n.domain === 'com.webdnn' && n.op === 'Elementwise') {
      const { nhwc, ts } = this.operands(n.inputs, env);
      const t = evalExpr(n.attrs.expr, ts);
      return { t: ts.includes(t) ? tf.clone(t) : t, nhwc };
    }
    const f = OPS[n.op];
    if (!f || n.domain) throw new Error(`n/a: ${n.op}`);
    return f.call(this, n, env);
  }

  /** Applies a node's fused epilogue to `raw` (the op's result, bias included): fused activation when it is one. */
  epilogue(n, env, raw, nhwc) {
    const e = n.attrs['webdnn.epilogue'];
    if (!e) return raw;
    const first = n.attrs['webdnn.epilogue_first'] ?? n.inputs.length;
    const extras = n.inputs.slice(first).map((i) => (nhwc ? this.bcastNhwc(i, env) : this.plain(i, env)));
    return evalExpr(e, [raw, ...extras]);
  }

  /** Splits an epilogue into a TF.js fused activation (applied by the op) and the rest (null when none). */
  activationOf(n) {
    const e = n.attrs['webdnn.epilogue'];
    if (!e) return { act: { activation: 'linear' }, rest: false };
    const act = fusedActivation(e);
    return act ? { act, rest: false } : { act: { activation: 'linear' }, rest: true };
  }
}

function firstEpilogueInput(n) {
  return n.attrs['webdnn.epilogue'] ? (n.attrs['webdnn.epilogue_first'] ?? n.inputs.length) : n.inputs.length;
}

function elementwise(n, env, fn) {
  const { nhwc, ts } = this.operands(n.inputs, env);
  return { t: fn(...ts), nhwc };
}

const OPS = {
  Conv(n, env) {
    const x = this.nhwc(n.inputs[0], env);
    const filter = this.consts.get(n.attrs['tf.filter']);
    const w = this.g.values[String(n.inputs[1])].shape; // OIHW
    const group = n.attrs.group ?? 1;
    const [sH, sW] = n.attrs.strides ?? [1, 1];
    const [dH, dW] = n.attrs.dilations ?? [1, 1];
    const [kH, kW] = [w[2], w[3]];
    const [top, bottom, left, right] = windowPads(n.attrs, x.shape[1], x.shape[2], kH, kW, sH, sW, dH, dW);
    const biasId = firstEpilogueInput(n) > 2 ? n.inputs[2] : null;
    const bias = biasId !== null && biasId !== undefined ? this.plain(biasId, env) : undefined;
    const { act, rest } = this.activationOf(n);
    const explicit = [[0, 0], [top, bottom], [left, right], [0, 0]];
    const allZero = top === 0 && bottom === 0 && left === 0 && right === 0;
    let y;
    if (group === 1) {
      y = tf.fused.conv2d({ x, filter, strides: [sH, sW], pad: allZero ? 'valid' : explicit, dataFormat: 'NHWC', dilations: [dH, dW], bias, ...act });
    } else if (filter.shape[2] === x.shape[3] && w[1] === 1) {
      // depthwise: TF.js takes only a symmetric number pad here; pad explicitly otherwise
      const sym = top === bottom && left === right && top === left;
      const xin = sym ? x : tf.pad(x, explicit);
      y = tf.fused.depthwiseConv2d({ x: xin, filter, strides: [sH, sW], pad: sym ? top : 'valid', dataFormat: 'NHWC', dilations: [dH, dW], bias, ...act });
    } else {
      // grouped: one conv per group, concatenated on channels (TF.js has no grouped conv)
      const xs = tf.split(allZero ? x : tf.pad(x, explicit), group, 3);
      const fs = tf.split(filter, group, 3);
      const bs = bias ? tf.split(bias, group, 0) : xs.map(() => undefined);
      y = tf.concat(xs.map((xi, k) => tf.fused.conv2d({ x: xi, filter: fs[k], strides: [sH, sW], pad: 'valid', dataFormat: 'NHWC', dilations: [dH, dW], bias: bs[k], ...act })), 3);
    }
    return { t: rest ? this.epilogue(n, env, y, true) : y, nhwc: true };
  },

  ConvTranspose(n, env) {
    const x = this.nhwc(n.inputs[0], env);
    const filter = this.consts.get(n.attrs['tf.filter']); // [kh, kw, cout, cin]
    if ((n.attrs.group ?? 1) !== 1) throw new Error('n/a: ConvTranspose group>1');
    const [sH, sW] = n.attrs.strides ?? [1, 1];
    if ((n.attrs.dilations ?? [1, 1]).some((d) => d !== 1)) throw new Error('n/a: ConvTranspose dilations');
    const [kH, kW] = [filter.shape[0], filter.shape[1]];
    const [N, H, W] = x.shape;
    const cout = filter.shape[2];
    const fullH = (H - 1) * sH + kH, fullW = (W - 1) * sW + kW;
    let y = tf.conv2dTranspose(x, filter, [N, fullH, fullW, cout], [sH, sW], 'valid');
    const out = this.outShape(n.outputs[0]);
    const p = n.attrs.pads ?? [0, 0, 0, 0];
    const op = n.attrs.output_padding ?? [0, 0];
    const outH = out ? out[2] : fullH - p[0] - p[2] + op[0];
    const outW = out ? out[3] : fullW - p[1] - p[3] + op[1];
    const extraH = Math.max(0, p[0] + outH - fullH), extraW = Math.max(0, p[1] + outW - fullW);
    if (extraH || extraW) y = tf.pad(y, [[0, 0], [0, extraH], [0, extraW], [0, 0]]);
    y = tf.slice(y, [0, p[0], p[1], 0], [N, outH, outW, cout]);
    const biasId = firstEpilogueInput(n) > 2 ? n.inputs[2] : null;
    if (biasId !== null && biasId !== undefined) y = tf.add(y, this.plain(biasId, env));
    return { t: this.epilogue(n, env, y, true), nhwc: true };
  },

  MaxPool(n, env) { return pool.call(this, n, env, 'max'); },
  AveragePool(n, env) { return pool.call(this, n, env, 'avg'); },
  GlobalAveragePool(n, env) { return { t: tf.mean(this.nhwc(n.inputs[0], env), [1, 2], true), nhwc: true }; },
  GlobalMaxPool(n, env) { return { t: tf.max(this.nhwc(n.inputs[0], env), [1, 2], true), nhwc: true }; },

  BatchNormalization(n, env) {
    const x = this.nhwc(n.inputs[0], env);
    const [scale, b, mean, variance] = n.inputs.slice(1, 5).map((i) => this.plain(i, env));
    return { t: tf.batchNorm(x, mean, variance, b, scale, n.attrs.epsilon ?? 1e-5), nhwc: true };
  },
  InstanceNormalization(n, env) {
    const x = this.nhwc(n.inputs[0], env);
    const { mean, variance } = tf.moments(x, [1, 2], true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, n.attrs.epsilon ?? 1e-5)));
    return { t: tf.add(tf.mul(y, this.plain(n.inputs[1], env)), this.plain(n.inputs[2], env)), nhwc: true };
  },
  LayerNormalization(n, env) {
    const x = this.plain(n.inputs[0], env);
    const axis = (n.attrs.axis ?? -1) < 0 ? x.rank + (n.attrs.axis ?? -1) : n.attrs.axis;
    const axes = [...Array(x.rank - axis).keys()].map((k) => k + axis);
    const { mean, variance } = tf.moments(x, axes, true);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, n.attrs.epsilon ?? 1e-5)));
    y = tf.mul(y, this.plain(n.inputs[1], env));
    if (n.inputs[2] !== null && n.inputs[2] !== undefined) y = tf.add(y, this.plain(n.inputs[2], env));
    return { t: y, nhwc: false };
  },

  Gemm(n, env) {
    let a = this.plain(n.inputs[0], env);
    // tf.b: B already transposed to [K, N] by the exporter when it is a constant with transB=1
    const pre = n.attrs['tf.b'] !== undefined;
    let b = pre ? this.consts.get(n.attrs['tf.b']) : this.plain(n.inputs[1], env);
    const alpha = n.attrs.alpha ?? 1, beta = n.attrs.beta ?? 1;
    const transA = !!n.attrs.transA, transB = !pre && !!n.attrs.transB;
    if (alpha !== 1) a = tf.mul(a, alpha);
    const cId = firstEpilogueInput(n) > 2 ? n.inputs[2] : null;
    let bias = cId !== null && cId !== undefined ? this.plain(cId, env) : undefined;
    if (bias && beta !== 1) bias = tf.mul(bias, beta);
    const { act, rest } = this.activationOf(n);
    if (transB && bias) b = tf.transpose(b); // tfjs-backend-wasm 4.22: fused matMul with transposeB and a bias is wrong
    const y = tf.fused.matMul({ a, b, transposeA: transA, transposeB: transB && !bias, bias, ...act });
    return { t: rest ? this.epilogue(n, env, y, false) : y, nhwc: false };
  },
  MatMul(n, env) {
    const a = this.plain(n.inputs[0], env), b = this.plain(n.inputs[1], env);
    const { act, rest } = this.activationOf(n);
    let y;
    if (a.rank > 2 && b.rank === 2) {
      const lead = a.shape.slice(0, -1);
      y = tf.reshape(tf.fused.matMul({ a: tf.reshape(a, [-1, a.shape[a.rank - 1]]), b, ...act }), [...lead, b.shape[1]]);
    } else {
      y = tf.fused.matMul({ a, b, ...act });
    }
    return { t: rest ? this.epilogue(n, env, y, false) : y, nhwc: false };
  },

  Relu(n, env) { const v = this.value(n.inputs[0], env); return { t: tf.relu(v.t), nhwc: v.nhwc }; },
  Clip(n, env) {
    const v = this.value(n.inputs[0], env);
    const lo = n.inputs[1] != null ? this.numbers(n.inputs[1], env)[0] : (n.attrs.min ?? -3.4e38);
    const hi = n.inputs[2] != null ? this.numbers(n.inputs[2], env)[0] : (n.attrs.max ?? 3.4e38);
    return { t: lo === 0 && hi === 6 ? tf.relu6(v.t) : tf.clipByValue(v.t, lo, hi), nhwc: v.nhwc };
  },
  LeakyRelu(n, env) { const v = this.value(n.inputs[0], env); return { t: tf.leakyRelu(v.t, n.attrs.alpha ?? 0.01), nhwc: v.nhwc }; },
  Where(n, env) { return elementwise.call(this, n, env, (c, a, b) => tf.where(tf.cast(c, 'bool'), a, b)); },
  Cast(n, env) {
    const v = this.value(n.inputs[0], env);
    const to = n.attrs.to === 9 ? 'bool' : [1, 10, 11, 16].includes(n.attrs.to) ? 'float32' : 'int32';
    return { t: tf.cast(v.t, to), nhwc: v.nhwc };
  },

  Concat(n, env) {
    const ids = n.inputs.filter((i) => i !== null);
    const rank = this.value(ids[0], env).t.rank;
    const axis = (n.attrs.axis ?? 0) < 0 ? rank + n.attrs.axis : (n.attrs.axis ?? 0);
    if (rank === 4 && ids.some((i) => this.value(i, env).nhwc)) {
      const map = [0, 3, 1, 2];
      return { t: tf.concat(ids.map((i) => this.nhwc(i, env)), map[axis]), nhwc: true };
    }
    return { t: tf.concat(ids.map((i) => this.plain(i, env)), axis), nhwc: false };
  },
  Flatten(n, env) {
    const x = this.plain(n.inputs[0], env);
    const axis = (n.attrs.axis ?? 1) < 0 ? x.rank + n.attrs.axis : (n.attrs.axis ?? 1);
    const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return { t: tf.reshape(x, [outer, -1]), nhwc: false };
  },
  Reshape(n, env) { return reshapeTo.call(this, n, env, () => reshapeTarget(this.plain(n.inputs[0], env).shape, this.numbers(n.inputs[1], env), n.attrs.allowzero)); },
  Squeeze(n, env) { return reshapeTo.call(this, n, env, null); },
  Unsqueeze(n, env) { return reshapeTo.call(this, n, env, null); },
  Transpose(n, env) {
    const x = this.plain(n.inputs[0], env);
    const perm = n.attrs.perm ?? [...Array(x.rank).keys()].reverse();
    return { t: tf.transpose(x, perm), nhwc: false };
  },
  Slice(n, env) {
    const x = this.plain(n.inputs[0], env);
    const starts = n.inputs[1] != null ? this.numbers(n.inputs[1], env) : n.attrs.starts;
    const ends = n.inputs[2] != null ? this.numbers(n.inputs[2], env) : n.attrs.ends;
    const axes = (n.inputs[3] != null ? this.numbers(n.inputs[3], env) : n.attrs.axes) ?? starts.map((_, k) => k);
    const steps = (n.inputs[4] != null ? this.numbers(n.inputs[4], env) : null) ?? starts.map(() => 1);
    const begin = x.shape.map(() => 0), end = [...x.shape], strides = x.shape.map(() => 1);
    let endMask = 0;
    axes.forEach((ax0, k) => {
      const ax = ax0 < 0 ? ax0 + x.rank : ax0;
      const d = x.shape[ax], s = steps[k];
      const norm = (v, lo, hi) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
      if (s > 0) { begin[ax] = norm(starts[k], 0, d); end[ax] = norm(ends[k], 0, d); } else {
        begin[ax] = norm(starts[k], -1, d - 1);
        end[ax] = norm(ends[k], -1, d - 1);
        if (end[ax] < 0) endMask |= 1 << ax;
      }
      strides[ax] = s;
    });
    return { t: tf.stridedSlice(x, begin, end, strides, 0, endMask), nhwc: false };
  },
  Pad(n, env) {
    const v = this.value(n.inputs[0], env);
    const pads = n.inputs[1] != null ? this.numbers(n.inputs[1], env) : n.attrs.pads;
    const value = n.inputs[2] != null ? this.numbers(n.inputs[2], env)[0] : (n.attrs.value ?? 0);
    const mode = n.attrs.mode ?? 'constant';
    const r = pads.length / 2;
    if (n.inputs[3] != null) throw new Error('n/a: Pad(axes)');
    if (pads.some((p) => p < 0)) throw new Error('n/a: Pad(negative)');
    let pairs = [...Array(r).keys()].map((k) => [pads[k], pads[k + r]]);
    let x = v.t;
    if (v.nhwc) pairs = [pairs[0], pairs[2], pairs[3], pairs[1]];
    if (mode === 'constant') return { t: tf.pad(x, pairs, value), nhwc: v.nhwc };
    if (mode === 'reflect') return { t: tf.mirrorPad(x, pairs, 'reflect'), nhwc: v.nhwc };
    throw new Error(`n/a: Pad(${mode})`);
  },
  Softmax(n, env) { return softmaxLike.call(this, n, env, (x) => tf.softmax(x)); },
  LogSoftmax(n, env) { return softmaxLike.call(this, n, env, (x) => tf.logSoftmax(x)); },
  Resize(n, env) { return resize.call(this, n, env); },
  Upsample(n, env) { return resize.call(this, n, env); },
  Gather(n, env) {
    const x = this.plain(n.inputs[0], env);
    const axis = (n.attrs.axis ?? 0) < 0 ? x.rank + n.attrs.axis : (n.attrs.axis ?? 0);
    let idx = tf.cast(this.plain(n.inputs[1], env), 'int32');
    idx = tf.where(tf.less(idx, 0), tf.add(idx, tf.scalar(x.shape[axis], 'int32')), idx);
    return { t: tf.gather(x, idx, axis), nhwc: false };
  },
  Shape(n, env) {
    const v = this.value(n.inputs[0], env);
    const s = v.nhwc ? [v.t.shape[0], v.t.shape[3], v.t.shape[1], v.t.shape[2]] : v.t.shape;
    const start = n.attrs.start ?? 0, end = n.attrs.end ?? s.length;
    return { t: tf.tensor1d(s.slice(start < 0 ? start + s.length : start, end < 0 ? end + s.length : end), 'int32'), nhwc: false };
  },
  ConstantOfShape(n, env) {
    const shape = this.numbers(n.inputs[0], env);
    const c = n.attrs.value?.const !== undefined ? this.consts.get(n.attrs.value.const) : null;
    return { t: c ? tf.fill(shape, c.dataSync()[0], c.dtype) : tf.zeros(shape), nhwc: false };
  },
  Constant(n) {
    const c = n.attrs.value?.const !== undefined ? this.consts.get(n.attrs.value.const) : null;
    if (!c) throw new Error('n/a: Constant (non-tensor value)');
    return { t: tf.clone(c), nhwc: false };
  },
  Expand(n, env) {
    const x = this.plain(n.inputs[0], env);
    const shape = this.numbers(n.inputs[1], env);
    const r = Math.max(x.rank, shape.length);
    const xs = [...Array(r - x.rank).fill(1), ...x.shape], ss = [...Array(r - shape.length).fill(1), ...shape];
    return { t: tf.broadcastTo(tf.reshape(x, xs), xs.map((d, k) => Math.max(d, ss[k]))), nhwc: false };
  },
  Range(n, env) {
    const [s, l, d] = [1, 2, 3].map((k) => this.numbers(n.inputs[k - 1], env)[0]);
    return { t: tf.range(s, l, d, this.value(n.inputs[0], env).t.dtype), nhwc: false };
  },
  ReduceMean(n, env) { return reduce.call(this, n, env, (x, a, k) => tf.mean(x, a, k)); },
  ReduceSum(n, env) { return reduce.call(this, n, env, (x, a, k) => tf.sum(x, a, k)); },
  ReduceMax(n, env) { return reduce.call(this, n, env, (x, a, k) => tf.max(x, a, k)); },
  ReduceMin(n, env) { return reduce.call(this, n, env, (x, a, k) => tf.min(x, a, k)); },
  Split(n, env) {
    const x = this.plain(n.inputs[0], env);
    const axis = (n.attrs.axis ?? 0) < 0 ? x.rank + n.attrs.axis : (n.attrs.axis ?? 0);
    const sizes = (n.inputs[1] != null ? this.numbers(n.inputs[1], env) : n.attrs.split) ?? n.outputs.length;
    return tf.split(x, sizes, axis).map((t) => ({ t, nhwc: false }));
  },
  Tile(n, env) { return { t: tf.tile(this.plain(n.inputs[0], env), this.numbers(n.inputs[1], env)), nhwc: false }; },
};

for (const op of PASSTHROUGH) OPS[op] = function passthrough(n, env) { const v = this.value(n.inputs[0], env); return { t: tf.clone(v.t), nhwc: v.nhwc }; };
for (const [op, u] of Object.entries(ONNX_UNARY)) if (!OPS[op]) OPS[op] = function unary(n, env) { const v = this.value(n.inputs[0], env); return { t: UNARY[u](v.t), nhwc: v.nhwc }; };
for (const [op, b] of Object.entries(ONNX_BINARY)) if (!OPS[op]) OPS[op] = function binary(n, env) { return elementwise.call(this, n, env, BINARY[b]); };
for (const [op, b] of Object.entries(VARIADIC)) {
  if (!OPS[op]) {
    OPS[op] = function variadic(n, env) {
      return elementwise.call(this, n, env, (...ts) => {
        const r = ts.reduce((acc, t) => BINARY[b](acc, t));
        return op === 'Mean' ? tf.div(r, ts.length) : r;
      });
    };
  }
}

function reshapeTarget(inShape, shape, allowzero) {
  return shape.map((d, k) => (d === 0 && !allowzero ? inShape[k] : d));
}

function reshapeTo(n, env, target) {
  const x = this.plain(n.inputs[0], env);
  const s = this.outShape(n.outputs[0]) ?? (target ? target() : null);
  if (!s) throw new Error(`n/a: ${n.op} (dynamic shape)`);
  return { t: tf.reshape(x, s), nhwc: false };
}

function pool(n, env, kind) {
  const x = this.nhwc(n.inputs[0], env);
  const [kH, kW] = n.attrs.kernel_shape;
  const [sH, sW] = n.attrs.strides ?? [1, 1];
  const [dH, dW] = n.attrs.dilations ?? [1, 1];
  if (dH !== 1 || dW !== 1) throw new Error(`n/a: ${n.op}(dilations)`);
  let [top, bottom, left, right] = windowPads(n.attrs, x.shape[1], x.shape[2], kH, kW, sH, sW, 1, 1);
  let xin = x;
  if (kind === 'avg' && n.attrs.count_include_pad && (top || bottom || left || right)) {
    xin = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    top = bottom = left = right = 0;
  }
  const [H, W] = [xin.shape[1], xin.shape[2]];
  if (n.attrs.ceil_mode) {
    // ONNX ceil mode: one more window when it starts inside the input (or left padding); padded, never counted.
    const outDim = (inp, p0, p1, k, s) => {
      let o = Math.ceil((inp + p0 + p1 - k) / s) + 1;
      if ((o - 1) * s >= inp + p0) o -= 1;
      return o;
    };
    const oH = outDim(H, top, bottom, kH, sH), oW = outDim(W, left, right, kW, sW);
    bottom += Math.max(0, (oH - 1) * sH + kH - (H + top + bottom));
    right += Math.max(0, (oW - 1) * sW + kW - (W + left + right));
  }
  const allZero = top === 0 && bottom === 0 && left === 0 && right === 0;
  const pad = allZero ? 'valid' : [[0, 0], [top, bottom], [left, right], [0, 0]];
  const y = kind === 'max' ? tf.maxPool(xin, [kH, kW], [sH, sW], pad) : tf.avgPool(xin, [kH, kW], [sH, sW], pad);
  return { t: y, nhwc: true };
}

function softmaxLike(n, env, fn) {
  const x = this.plain(n.inputs[0], env);
  const old = n.opset > 0 && n.opset < 13;
  const axis0 = n.attrs.axis ?? (old ? 1 : -1);
  const axis = axis0 < 0 ? x.rank + axis0 : axis0;
  if (axis === x.rank - 1) return { t: fn(x), nhwc: false };
  if (old) {
    // before opset 13 the input is coerced to 2-D at `axis` and normalised over the flattened tail
    const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return { t: tf.reshape(fn(tf.reshape(x, [outer, -1])), x.shape), nhwc: false };
  }
  const perm = [...Array(x.rank).keys()];
  perm.splice(axis, 1);
  perm.push(axis);
  const inv = perm.map((_, k) => perm.indexOf(k));
  return { t: tf.transpose(fn(tf.transpose(x, perm)), inv), nhwc: false };
}

function reduce(n, env, fn) {
  const v = this.value(n.inputs[0], env);
  const rank = v.t.rank;
  const axes0 = (n.inputs[1] != null ? this.numbers(n.inputs[1], env) : n.attrs.axes) ?? [...Array(rank).keys()];
  const axes = axes0.map((a) => (a < 0 ? a + rank : a));
  const keep = (n.attrs.keepdims ?? 1) === 1;
  if (v.nhwc && keep) {
    const map = [0, 3, 1, 2];
    return { t: fn(v.t, axes.map((a) => map[a]), true), nhwc: true };
  }
  return { t: fn(this.plain(n.inputs[0], env), axes, keep), nhwc: false };
}

function resize(n, env) {
  const x = this.nhwc(n.inputs[0], env);
  const out = this.outShape(n.outputs[0]);
  if (!out) throw new Error(`n/a: ${n.op} (dynamic size)`);
  const mode = n.attrs.mode ?? 'nearest';
  const ctm = n.attrs.coordinate_transformation_mode ?? (n.op === 'Upsample' ? 'asymmetric' : 'half_pixel');
  const alignCorners = ctm === 'align_corners';
  const halfPixel = ctm === 'half_pixel' || ctm === 'pytorch_half_pixel';
  const size = [out[2], out[3]];
  if (mode === 'nearest') return { t: tf.image.resizeNearestNeighbor(x, size, alignCorners, halfPixel), nhwc: true };
  if (mode === 'linear' || mode === 'bilinear') return { t: tf.image.resizeBilinear(x, size, alignCorners, halfPixel), nhwc: true };
  throw new Error(`n/a: Resize(${mode})`);
}
