using WebDnn.Core;

namespace WebDnn.Ops.Signal;

/// <summary>
/// ONNX MelWeightMatrix (opset 17): a [⌊dft_length/2⌋ + 1, num_mel_bins] matrix of triangular filters. As in the ONNX
/// reference: with mel(f) = 2595·log10(1 + f/700) and step = (mel(upper) - mel(lower)) / (num_mel_bins + 2), the
/// edges are bin_i = ⌊(dft_length + 1)·mel⁻¹(mel(lower) + i·step) / sample_rate⌋ for i = 0…num_mel_bins+1; filter i
/// rises linearly from bin_i to bin_(i+1) (a single 1 when they coincide) and falls to bin_(i+2).
/// Element type from output_datatype (default f32). Reference only.
/// </summary>
public sealed class MelWeightMatrix : OpDef
{
    public override string OpType => "MelWeightMatrix";

    public override int SinceVersion => 17;

    public override void InferTypes(InferContext ctx)
    {
        var dt = (DataType)ctx.Int("output_datatype", 1);
        Dim rows = ctx.ConstInput(1) is { Length: 1 } d ? Dim.Of(d.GetLong(0) / 2 + 1) : Dim.Unknown;
        Dim cols = ctx.ConstInput(0) is { Length: 1 } m ? Dim.Of(m.GetLong(0)) : Dim.Unknown;
        ctx.SetOutput(0, dt, [rows, cols]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        long mel = ctx.Input(0).GetLong(0);
        long dft = ctx.Input(1).GetLong(0);
        double rate = ctx.Input(2).GetDouble(0);
        float lower = (float)ctx.Input(3).GetDouble(0), upper = (float)ctx.Input(4).GetDouble(0);
        if (mel <= 0 || dft <= 0 || rate <= 0 || mel * (dft / 2 + 1) > Tensor.MaxElements)
        {
            throw ctx.Error($"num_mel_bins {mel}, dft_length {dft} and sample_rate {rate} must be positive and small enough");
        }
        int bins = (int)(dft / 2 + 1), nm = (int)mel;
        // The reference computes the mel edges in f32 (its inputs' type) and the bins in f64.
        float lowMel = 2595f * MathF.Log10(1 + lower / 700f);
        float highMel = 2595f * MathF.Log10(1 + upper / 700f);
        float step = (highMel - lowMel) / (nm + 2);
        var edge = new int[nm + 2];
        for (int i = 0; i < edge.Length; i++)
        {
            double f = i * (double)step + lowMel;
            f = 700 * (Math.Pow(10, f / 2595) - 1);
            edge[i] = (int)Math.Floor((dft + 1) * f / rate);
        }
        var y = new double[bins * nm];
        void Set(int row, int col, double v)
        {
            if (row < 0 || row >= bins)
            {
                throw ctx.Error($"filter edge {row} is outside the {bins} spectrogram bins");
            }
            y[row * nm + col] = v;
        }
        for (int i = 0; i < nm; i++)
        {
            int lo = edge[i], mid = edge[i + 1], hi = edge[i + 2];
            if (mid == lo)
            {
                Set(mid, i, 1);
            }
            else
            {
                for (int j = lo; j <= mid; j++)
                {
                    Set(j, i, (double)(j - lo) / (mid - lo));
                }
            }
            for (int j = mid; j < hi; j++)
            {
                Set(j, i, (double)(hi - j) / (hi - mid));
            }
        }
        ctx.SetOutput(0, Tensor.FromDoubles((DataType)ctx.Int("output_datatype", 1), [bins, nm], y));
    }
}
