using WebDnn.Core;
using WebDnn.Ops.Nn;

namespace WebDnn.Ops.Signal;

/// <summary>
/// ONNX STFT (opset 17): signal [B, L, 1 or 2], frame_step (scalar), optional window [F], optional frame_length
/// (scalar; default the window length). Frames t = 0…⌊(L - F) / step⌋ start at t·step; each frame (times the window)
/// is transformed by a length-F DFT, X[k] = Σ_j x[j]·w[j]·e^(-2πi·jk/F), keeping bins 0…⌊F/2⌋ when onesided
/// (default 1). Output [B, frames, bins, 2]. Direct evaluation in double. Reference only.
/// </summary>
public sealed class STFT : OpDef
{
    public override string OpType => "STFT";

    public override int SinceVersion => 17;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        NnData.RequireFloat(ctx, x.DataType);
        ctx.SetOutput(0, x.DataType, x.Shape is null ? null : [x.Shape[0], Dim.Unknown, Dim.Unknown, Dim.Of(2)]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank != 3 || x.Shape[2] is not (1 or 2))
        {
            throw ctx.Error("signal must be [batch, length, 1 or 2]");
        }
        long step = ctx.Input(1).GetLong(0);
        var window = ctx.OptionalInput(2)?.ToDoubles();
        long fl = ctx.OptionalInput(3) is { Length: > 0 } f ? f.GetLong(0) : window?.Length ?? throw ctx.Error("either window or frame_length is required");
        int b = x.Shape[0], len = x.Shape[1], comps = x.Shape[2];
        if (step <= 0 || fl <= 0 || fl > len || (window is not null && window.Length != fl))
        {
            throw ctx.Error($"frame_step {step} / frame_length {fl} / window do not fit a signal of {len}");
        }
        int frameLen = (int)fl;
        int frames = (int)((len - fl) / step) + 1;
        bool onesided = ctx.Int("onesided", 1) != 0;
        int bins = onesided ? frameLen / 2 + 1 : frameLen;
        var xv = x.ToDoubles();
        var y = new double[b * frames * bins * 2];
        for (int bi = 0; bi < b; bi++)
        {
            for (int t = 0; t < frames; t++)
            {
                int start = (int)(t * step);
                for (int k = 0; k < bins; k++)
                {
                    double sr = 0, si = 0;
                    for (int j = 0; j < frameLen; j++)
                    {
                        int src = ((bi * len) + start + j) * comps;
                        double wj = window?[j] ?? 1;
                        double re = xv[src] * wj, im = comps == 2 ? xv[src + 1] * wj : 0;
                        double ang = -2 * Math.PI * ((long)j * k % frameLen) / frameLen;
                        double c = Math.Cos(ang), s = Math.Sin(ang);
                        sr += re * c - im * s;
                        si += re * s + im * c;
                    }
                    int dst = ((bi * frames + t) * bins + k) * 2;
                    y[dst] = sr;
                    y[dst + 1] = si;
                }
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles(x.DataType, [b, frames, bins, 2], y));
    }
}
