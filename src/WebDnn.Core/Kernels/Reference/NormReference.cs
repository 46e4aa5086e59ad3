namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// norm: each row r of the input viewed as [Outer, N] becomes (x - mean) / sqrt(var + eps) (biased variance), times
/// scale and plus bias indexed by n, or by r % Channels when <see cref="NormKernel.PerChannel"/>.
/// Inputs: X, then scale if HasScale, then bias if HasBias.
/// </summary>
public static class NormReference
{
    public static void Run(NormKernel k, Tensor[] ins, Tensor output)
    {
        var x = ins[0].ToDoubles();
        for (int r = 0; r < k.Outer; r++)
        {
            var row = x.AsSpan(r * k.N, k.N);
            double mean = 0, var = 0;
            foreach (var v in row)
            {
                mean += v;
            }
            mean /= k.N;
            foreach (var v in row)
            {
                var += (v - mean) * (v - mean);
            }
            var /= k.N;
            for (int n = 0; n < k.N; n++)
            {
                int si = k.PerChannel ? r % k.Channels : n;
                double y = (row[n] - mean) / Math.Sqrt(var + k.Epsilon);
                y = k.HasScale ? y * ins[1].GetDouble(si) : y;
                y = k.HasBias ? y + ins[k.HasScale ? 2 : 1].GetDouble(si) : y;
                KernelReference.Store(output, r * k.N + n, y);
            }
        }
    }
}
