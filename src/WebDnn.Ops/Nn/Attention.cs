using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Attention (opset 23; opset 24 adds nonpad_kv_seqlen). Inputs Q, K, V, optional attn_mask, past_key, past_value,
/// nonpad_kv_seqlen. 4-d inputs are [B, H, S, D]; 3-d inputs are [B, S, H·D] with q_num_heads/kv_num_heads giving H.
/// present_key/value = concat(past, K/V) along the sequence axis (total length T). For each head h of Q (the kv head is
/// h / (Hq / Hkv), i.e. grouped-query attention):
/// s = scale · Q·Kᵀ (scale default 1/√D); s = softcap · tanh(s / softcap) when softcap &gt; 0; s += bias, where bias is
/// attn_mask (bool: false → -∞; a mask shorter than T is padded with -∞/false), the causal mask (-∞ where
/// j &gt; i + offset, offset = past length or nonpad_kv_seqlen[b] - Sq) and the padding mask (-∞ where j ≥ nonpad[b]);
/// p = softmax(s) over T (a fully masked row gives zeros); Y = p·V.
/// The optional qk_matmul_output is mode 0: scaled QKᵀ (softcapped when softcap is set), 1: + bias (without
/// the bias when softcap is set, as the ONNX reference does), 2: softcap then + bias, 3: softmax. Computed in double. Reference only.
/// </summary>
public sealed class Attention : OpDef
{
    public override string OpType => "Attention";

    public override int SinceVersion => 23;

    private readonly record struct Dims(int B, int Hq, int Hkv, int Sq, int Skv, int D, int Dv, int P);

    public override void InferTypes(InferContext ctx)
    {
        var q = ctx.InputType(0);
        var k = ctx.InputType(1);
        var v = ctx.InputType(2);
        NnData.RequireFloat(ctx, q.DataType);
        var past = ctx.OptionalInputType(4);
        if (q.Shape is null || k.Shape is null || v.Shape is null)
        {
            for (int i = 0; i < 4; i++)
            {
                ctx.SetOutput(i, q.DataType, null);
            }
            return;
        }
        if (q.Rank != k.Rank || q.Rank != v.Rank || q.Rank is not (3 or 4))
        {
            throw ctx.Error($"Q, K and V must all be 3-d or all 4-d (got ranks {q.Rank}, {k.Rank}, {v.Rank})");
        }
        Dim kSeq = k.Shape[^2];
        Dim total = past?.Shape is { } ps ? (ps[2].IsKnown && kSeq.IsKnown ? Dim.Of(ps[2].Value + kSeq.Value) : Dim.Unknown) : kSeq;
        if (q.Rank == 4)
        {
            ctx.SetOutput(0, q.DataType, [q.Shape[0], q.Shape[1], q.Shape[2], v.Shape[3]]);
            ctx.SetOutput(1, q.DataType, [k.Shape[0], k.Shape[1], total, k.Shape[3]]);
            ctx.SetOutput(2, q.DataType, [v.Shape[0], v.Shape[1], total, v.Shape[3]]);
            ctx.SetOutput(3, q.DataType, [q.Shape[0], q.Shape[1], q.Shape[2], total]);
            return;
        }
        long hq = ctx.Int("q_num_heads", 0), hkv = ctx.Int("kv_num_heads", 0);
        if (hq <= 0 || hkv <= 0)
        {
            throw ctx.Error("3-d inputs need the q_num_heads and kv_num_heads attributes");
        }
        Dim vOut = v.Shape[2].IsKnown ? Dim.Of(v.Shape[2].Value / hkv * hq) : Dim.Unknown;
        ctx.SetOutput(0, q.DataType, [q.Shape[0], q.Shape[1], vOut]);
        Dim dk = k.Shape[2].IsKnown ? Dim.Of(k.Shape[2].Value / hkv) : Dim.Unknown;
        Dim dv = v.Shape[2].IsKnown ? Dim.Of(v.Shape[2].Value / hkv) : Dim.Unknown;
        ctx.SetOutput(1, q.DataType, [k.Shape[0], Dim.Of(hkv), total, dk]);
        ctx.SetOutput(2, q.DataType, [v.Shape[0], Dim.Of(hkv), total, dv]);
        ctx.SetOutput(3, q.DataType, [q.Shape[0], Dim.Of(hq), q.Shape[1], total]);
    }

    /// <summary>Brings a 3-d [B, S, H·D] tensor to [B, H, S, D] (as doubles); 4-d tensors are copied.</summary>
    private static double[] ToBhsd(NodeContext ctx, Tensor t, int heads, out int h, out int s, out int d)
    {
        var v = t.ToDoubles();
        if (t.Rank == 4)
        {
            (h, s, d) = (t.Shape[1], t.Shape[2], t.Shape[3]);
            return v;
        }
        if (heads <= 0 || t.Shape[2] % heads != 0)
        {
            throw ctx.Error($"hidden size {t.Shape[2]} is not a multiple of the head count {heads}");
        }
        int b = t.Shape[0];
        (h, s, d) = (heads, t.Shape[1], t.Shape[2] / heads);
        var r = new double[v.Length];
        for (int bi = 0; bi < b; bi++)
        {
            for (int si = 0; si < s; si++)
            {
                for (int hi = 0; hi < h; hi++)
                {
                    Array.Copy(v, ((bi * s + si) * h + hi) * d, r, ((bi * h + hi) * s + si) * d, d);
                }
            }
        }
        return r;
    }

    private static double[] ConcatSeq(double[]? past, double[] cur, int b, int h, int p, int s, int d)
    {
        if (past is null)
        {
            return cur;
        }
        var r = new double[b * h * (p + s) * d];
        for (int i = 0; i < b * h; i++)
        {
            Array.Copy(past, i * p * d, r, i * (p + s) * d, p * d);
            Array.Copy(cur, i * s * d, r, (i * (p + s) + p) * d, s * d);
        }
        return r;
    }

    public override void Evaluate(EvalContext ctx)
    {
        var qt = ctx.Input(0);
        var kt = ctx.Input(1);
        var vt = ctx.Input(2);
        if (qt.Rank != kt.Rank || qt.Rank != vt.Rank || qt.Rank is not (3 or 4))
        {
            throw ctx.Error($"Q, K and V must all be 3-d or all 4-d (got ranks {qt.Rank}, {kt.Rank}, {vt.Rank})");
        }
        int b = qt.Shape[0];
        var q = ToBhsd(ctx, qt, (int)ctx.Int("q_num_heads", 0), out int hq, out int sq, out int dq);
        var k = ToBhsd(ctx, kt, (int)ctx.Int("kv_num_heads", 0), out int hkv, out int skv, out int dk);
        var v = ToBhsd(ctx, vt, (int)ctx.Int("kv_num_heads", 0), out int hv, out int skv2, out int dv);
        if (dq != dk || hv != hkv || skv2 != skv || hkv == 0 || hq % hkv != 0)
        {
            throw ctx.Error($"inconsistent Q/K/V shapes [{string.Join(",", qt.Shape)}], [{string.Join(",", kt.Shape)}], [{string.Join(",", vt.Shape)}]");
        }
        var pastK = ctx.OptionalInput(4);
        var pastV = ctx.OptionalInput(5);
        int p = pastK?.Shape[2] ?? 0;
        if (pastV is not null && pastV.Shape[2] != p)
        {
            throw ctx.Error("past_key and past_value have different sequence lengths");
        }
        var pk = ConcatSeq(pastK?.ToDoubles(), k, b, hkv, p, skv, dk);
        var pv = ConcatSeq(pastV?.ToDoubles(), v, b, hkv, p, skv, dv);
        int t = p + skv;
        var nonpad = ctx.Opset >= 24 ? ctx.OptionalInput(6) : null;

        // Additive bias [B, Hq, Sq, T] (broadcast from the mask).
        var bias = new double[b * hq * sq * t];
        if (ctx.OptionalInput(3) is { } mask)
        {
            int mr = mask.Rank;
            var ms = mask.Shape;
            int mt = ms[^1];
            if (mt > t)
            {
                throw ctx.Error($"attn_mask's last dimension {mt} exceeds the total sequence length {t}");
            }
            int[] full = [.. Enumerable.Repeat(1, 4 - mr), .. ms];
            int[] fs = Tensor.Strides(full);
            for (int bi = 0; bi < b; bi++)
            {
                for (int h = 0; h < hq; h++)
                {
                    for (int i = 0; i < sq; i++)
                    {
                        for (int j = 0; j < t; j++)
                        {
                            double val;
                            if (j >= mt)
                            {
                                val = double.NegativeInfinity;
                            }
                            else
                            {
                                int idx = (full[0] == 1 ? 0 : bi) * fs[0] + (full[1] == 1 ? 0 : h) * fs[1] + (full[2] == 1 ? 0 : i) * fs[2] + j;
                                val = mask.DataType == DataType.Bool ? (((bool[])mask.Data)[idx] ? 0 : double.NegativeInfinity) : mask.GetDouble(idx);
                            }
                            bias[((bi * hq + h) * sq + i) * t + j] = val;
                        }
                    }
                }
            }
        }
        bool causal = ctx.Int("is_causal", 0) != 0;
        for (int bi = 0; bi < b; bi++)
        {
            int offset = pastK is null && nonpad is not null ? (int)nonpad.GetLong(bi) - sq : p;
            int valid = nonpad is not null ? (int)nonpad.GetLong(bi) : t;
            for (int h = 0; h < hq; h++)
            {
                for (int i = 0; i < sq; i++)
                {
                    for (int j = 0; j < t; j++)
                    {
                        if ((causal && j > i + offset) || j >= valid)
                        {
                            bias[((bi * hq + h) * sq + i) * t + j] = double.NegativeInfinity;
                        }
                    }
                }
            }
        }

        double scale = ctx.HasAttr("scale") ? ctx.Float("scale", 1) : 1 / Math.Sqrt(dq);
        double softcap = ctx.Float("softcap", 0);
        long mode = ctx.Int("qk_matmul_output_mode", 0);
        var y = new double[b * hq * sq * dv];
        var qk = new double[b * hq * sq * t];
        var row = new double[t];
        int group = hq / hkv;
        for (int bi = 0; bi < b; bi++)
        {
            for (int h = 0; h < hq; h++)
            {
                int kh = bi * hkv + h / group;
                for (int i = 0; i < sq; i++)
                {
                    int qo = ((bi * hq + h) * sq + i) * dq;
                    int ro = ((bi * hq + h) * sq + i) * t;
                    for (int j = 0; j < t; j++)
                    {
                        double acc = 0;
                        int ko = (kh * t + j) * dk;
                        for (int c = 0; c < dq; c++)
                        {
                            acc += q[qo + c] * pk[ko + c];
                        }
                        double s = acc * scale;
                        if (softcap > 0)
                        {
                            s = softcap * Math.Tanh(s / softcap);
                        }
                        double sb = s + bias[ro + j];
                        // Mode 1 with a softcap reports the softcapped product without the bias (as the ONNX reference does).
                        qk[ro + j] = mode == 2 || (mode == 1 && softcap <= 0) ? sb : s;
                        row[j] = sb;
                    }
                    double m = row.Max();
                    bool masked = double.IsNegativeInfinity(m);
                    double sum = 0;
                    for (int j = 0; j < t; j++)
                    {
                        row[j] = masked ? 0 : Math.Exp(row[j] - m);
                        sum += row[j];
                    }
                    for (int j = 0; j < t; j++)
                    {
                        // A fully masked row attends to nothing: zeros (the ONNX reference's NaN-robust behaviour).
                        row[j] = masked ? 0 : row[j] / sum;
                        if (mode == 3)
                        {
                            qk[ro + j] = row[j];
                        }
                    }
                    int yo = ((bi * hq + h) * sq + i) * dv;
                    for (int j = 0; j < t; j++)
                    {
                        int vo = (kh * t + j) * dv;
                        for (int c = 0; c < dv; c++)
                        {
                            y[yo + c] += row[j] * pv[vo + c];
                        }
                    }
                }
            }
        }
        var dt = qt.DataType;
        if (qt.Rank == 4)
        {
            ctx.SetOutput(0, Tensor.FromDoubles(dt, [b, hq, sq, dv], y));
        }
        else
        {
            var y3 = new double[y.Length];
            for (int bi = 0; bi < b; bi++)
            {
                for (int h = 0; h < hq; h++)
                {
                    for (int i = 0; i < sq; i++)
                    {
                        Array.Copy(y, ((bi * hq + h) * sq + i) * dv, y3, ((bi * sq + i) * hq + h) * dv, dv);
                    }
                }
            }
            ctx.SetOutput(0, Tensor.FromDoubles(dt, [b, sq, hq * dv], y3));
        }
        ctx.SetOutput(1, Tensor.FromDoubles(dt, [b, hkv, t, dk], pk));
        ctx.SetOutput(2, Tensor.FromDoubles(dt, [b, hkv, t, dv], pv));
        ctx.SetOutput(3, Tensor.FromDoubles(dt, [b, hq, sq, t], qk));
    }
}
