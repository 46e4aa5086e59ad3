using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js;

/// <summary>
/// The store of an accumulating kernel (matmul, conv, conv_transpose): bias, then the fused epilogue expression whose
/// in0 is the accumulator and in1.. are kernel inputs from <c>EpilogueFirstInput</c>, broadcast to the output.
/// </summary>
internal sealed class JsEpilogue
{
    private readonly Expr? _expr;
    private readonly long[][] _strides;
    private readonly int _first;

    /// <param name="kernel">The kernel.</param>
    /// <param name="expr">Its epilogue (null: store the accumulator).</param>
    /// <param name="firstInput">Index of the kernel input bound to in1.</param>
    public JsEpilogue(Kernel kernel, Expr? expr, int firstInput)
    {
        _expr = expr;
        _first = firstInput;
        var outShape = kernel.Output.Shape;
        _strides = kernel.Inputs.Skip(firstInput).Select(b => RowMajor.BroadcastStrides(b.Shape, outShape)).ToArray();
    }

    /// <summary>Writes <c>y0[outIndex] = epilogue(value)</c>; <paramref name="coords"/> are the output coordinates (one per output dim).</summary>
    public void Store(JsCode c, string value, string outIndex, IReadOnlyList<string> coords)
    {
        if (_expr is null)
        {
            c.Line($"{JsKernelContext.Out(0)}[{outIndex}] = {value};");
            return;
        }
        c.Line($"const v = {value};");
        var used = new SortedSet<int>();
        _expr.Substitute(i =>
        {
            used.Add(i.Index);
            return i;
        });
        foreach (int i in used.Where(i => i > 0))
        {
            c.Line($"const e{i} = {JsKernelContext.In(_first + i - 1)}[{JsCode.Dot(coords, _strides[i - 1])}];");
        }
        c.Line($"{JsKernelContext.Out(0)}[{outIndex}] = {JsExpr.Compile(_expr, i => i == 0 ? "v" : $"e{i}")};");
    }
}
