namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// softmax over the middle axis of the input viewed as [Outer, N, Inner]: y = exp(x - max) / Σ exp(x - max);
/// Log gives x - max - log Σ exp(x - max) (LogSoftmax).
/// </summary>
public static class SoftmaxReference
{
    public static void Run(SoftmaxKernel k, Tensor input, Tensor output)
    {
        var x = input.ToDoubles();
        for (int a = 0; a < k.Outer; a++)
        {
            for (int q = 0; q < k.Inner; q++)
            {
                int At(int n) => (a * k.N + n) * k.Inner + q;
                double max = double.NegativeInfinity;
                for (int n = 0; n < k.N; n++)
                {
                    max = Math.Max(max, x[At(n)]);
                }
                double sum = 0;
                for (int n = 0; n < k.N; n++)
                {
                    sum += Math.Exp(x[At(n)] - max);
                }
                for (int n = 0; n < k.N; n++)
                {
                    double d = x[At(n)] - max;
                    KernelReference.Store(output, At(n), k.Log ? d - Math.Log(sum) : Math.Exp(d) / sum);
                }
            }
        }
    }
}
