using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu;

/// <summary>
/// The store of an accumulating kernel (matmul, conv, conv_transpose): the fused epilogue expression, whose in0 is the
/// accumulator (bias already added) and in1.. are the kernel inputs from <c>EpilogueFirstInput</c>, each read through its
/// broadcast strides against the output (viewed as <paramref name="fullShape"/>, which has the output's element order).
/// </summary>
internal sealed class WgslEpilogue(WgslKernel c, Expr? expr, int firstInput, int[] fullShape)
{
    /// <summary>Writes <c>y0[o] = epilogue(value)</c>, with <c>o</c> an i32 variable in scope holding the flat output index.</summary>
    public void Store(string value)
    {
        var w = c.W;
        string y = c.OutAt(0, "o");
        if (expr is null)
        {
            w.Line($"{y} = {value};");
            return;
        }
        w.Line($"let v = {value};");
        var used = new SortedSet<int>();
        expr.Substitute(i =>
        {
            used.Add(i.Index);
            return i;
        });
        foreach (int i in used.Where(i => i > 0))
        {
            var b = c.Kernel.Inputs[firstInput + i - 1];
            string at = b.Length == 1 ? "0" : WgslIndex.Offset("o", fullShape, WgslIndex.Broadcast(b.Shape, fullShape));
            w.Line($"let e{i} = {c.Load(firstInput + i - 1, at)};");
        }
        w.Line($"{y} = {WgslExpr.Compile(w, expr, i => i == 0 ? "v" : $"e{i}")};");
    }
}
