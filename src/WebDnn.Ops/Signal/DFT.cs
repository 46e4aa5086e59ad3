using WebDnn.Core;
using WebDnn.Ops.Nn;

namespace WebDnn.Ops.Signal;

/// <summary>
/// ONNX DFT (opset 17: axis attribute, default 1; opset 20: axis input, default -2). input [..., n, ..., 1 or 2]
/// (last axis: real, or real/imaginary pairs). Along <c>axis</c> the signal is zero-padded or truncated to dft_length
/// m (default n); forward: X[k] = Σ_j x[j]·e^(-2πi·jk/m), inverse: x[j] = (1/m)·Σ_k X[k]·e^(+2πi·jk/m).
/// onesided keeps frequencies 0…⌊m/2⌋ of a forward transform; for an inverse transform the input is taken as that
/// half-spectrum of a Hermitian signal (irfft) and the output is the real signal of m values
/// (last axis 1). Otherwise the output's last axis is 2 (real, imaginary).
/// Direct O(m²) evaluation in double. Reference only.
/// </summary>
public sealed class DFT : OpDef
{
    public override string OpType => "DFT";

    public override int SinceVersion => 17;

    private static long AxisAttr(NodeContext ctx, Func<int, Tensor?> constInput) =>
        ctx.Opset >= 20 ? (constInput(2) is { Length: > 0 } a ? a.GetLong(0) : -2) : ctx.Int("axis", 1);

    private static int NormAxis(NodeContext ctx, long axis, int rank)
    {
        int a = ctx.Axis(axis, rank);
        if (a == rank - 1)
        {
            throw ctx.Error("axis cannot be the last (real/imaginary) axis");
        }
        return a;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        if (x.Shape is null || (ctx.Opset >= 20 && ctx.HasInput(2) && ctx.ConstInput(2) is null))
        {
            ctx.SetOutput(0, x.DataType, x.Shape is null ? null : Enumerable.Repeat(Dim.Unknown, x.Rank).ToArray());
            return;
        }
        int axis = NormAxis(ctx, AxisAttr(ctx, ctx.ConstInput), x.Rank);
        var shape = x.Shape.ToArray();
        shape[^1] = Dim.Of(ctx.Int("inverse", 0) != 0 && ctx.Int("onesided", 0) != 0 ? 1 : 2);
        Dim m = ctx.HasInput(1) ? (ctx.ConstInput(1) is { } l ? Dim.Of(l.GetLong(0)) : Dim.Unknown) : x.Shape[axis];
        bool onesided = ctx.Int("onesided", 0) != 0;
        bool inverse = ctx.Int("inverse", 0) != 0;
        shape[axis] = onesided && !inverse && m.IsKnown ? Dim.Of(m.Value / 2 + 1) : onesided && !inverse ? Dim.Unknown : m;
        ctx.SetOutput(0, x.DataType, shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Rank;
        int axis = NormAxis(ctx, AxisAttr(ctx, ctx.OptionalInput), rank);
        int comps = x.Shape[^1];
        if (comps is not (1 or 2))
        {
            throw ctx.Error($"the last axis must be 1 (real) or 2 (complex), not {comps}");
        }
        int n = x.Shape[axis];
        bool inverse = ctx.Int("inverse", 0) != 0;
        bool onesided = ctx.Int("onesided", 0) != 0;
        long ml = ctx.OptionalInput(1) is { Length: > 0 } l ? l.GetLong(0) : (inverse && onesided ? 2 * (n - 1) : n);
        if (ml <= 0 || ml > Tensor.MaxElements)
        {
            throw ctx.Error($"dft_length {ml} is out of range");
        }
        int m = (int)ml;
        int outLen = onesided && !inverse ? m / 2 + 1 : m;
        int outer = x.Shape[..axis].Aggregate(1, (a, b) => a * b);
        int inner = x.Shape[(axis + 1)..^1].Aggregate(1, (a, b) => a * b);
        var xv = x.ToDoubles();
        // irfft (inverse of a half spectrum) gives a real signal: last axis 1.
        int oc = inverse && onesided ? 1 : 2;
        int[] outShape = [.. x.Shape[..axis], outLen, .. x.Shape[(axis + 1)..^1], oc];
        var y = new double[outer * outLen * inner * oc];
        var re = new double[m];
        var im = new double[m];
        double sign = inverse ? 1 : -1;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                Array.Clear(re);
                Array.Clear(im);
                if (inverse && onesided)
                {
                    // Hermitian completion of the half spectrum: X[m-k] = conj(X[k]).
                    for (int k = 0; k < Math.Min(n, m / 2 + 1); k++)
                    {
                        int src = ((o * n + k) * inner + i) * comps;
                        re[k] = xv[src];
                        im[k] = comps == 2 ? xv[src + 1] : 0;
                        if (k > 0 && m - k > k)
                        {
                            re[m - k] = re[k];
                            im[m - k] = -im[k];
                        }
                    }
                }
                else
                {
                    for (int j = 0; j < Math.Min(n, m); j++)
                    {
                        int src = ((o * n + j) * inner + i) * comps;
                        re[j] = xv[src];
                        im[j] = comps == 2 ? xv[src + 1] : 0;
                    }
                }
                for (int k = 0; k < outLen; k++)
                {
                    double sr = 0, si = 0;
                    for (int j = 0; j < m; j++)
                    {
                        double ang = sign * 2 * Math.PI * ((long)j * k % m) / m;
                        double c = Math.Cos(ang), s = Math.Sin(ang);
                        sr += re[j] * c - im[j] * s;
                        si += re[j] * s + im[j] * c;
                    }
                    if (inverse)
                    {
                        sr /= m;
                        si /= m;
                    }
                    int dst = ((o * outLen + k) * inner + i) * oc;
                    y[dst] = sr;
                    if (oc == 2)
                    {
                        y[dst + 1] = si;
                    }
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, outShape, y));
    }
}
