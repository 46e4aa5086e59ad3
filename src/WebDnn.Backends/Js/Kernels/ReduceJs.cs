using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Backends.Js.Kernels;

/// <summary>reduce: an outer strided loop over the kept axes and an inner one over the reduced axes, accumulating in double.</summary>
internal static class ReduceJs
{
    public static void Emit(JsKernelContext c, ReduceKernel k)
    {
        var x = k.Inputs[0].Shape;
        var strides = RowMajor.Strides(x);
        var kept = Enumerable.Range(0, x.Length).Where(a => !k.Axes.Contains(a)).ToArray();
        var keptShape = kept.Select(a => x[a]).ToArray();
        var redShape = k.Axes.Select(a => x[a]).ToArray();
        long count = redShape.Aggregate(1L, (a, d) => a * d);
        var code = c.Code;
        StridedLoop.Emit(code, keptShape, [RowMajor.Strides(keptShape), kept.Select(a => strides[a]).ToArray()], ["0", "0"], "o", outer =>
        {
            string y = outer[0], xb = outer[1];
            if (k.Kind is ReduceKind.ArgMax or ReduceKind.ArgMin)
            {
                if (k.Axes.Length != 1)
                {
                    throw new NotSupportedException("js backend: arg reductions over more than one axis");
                }
                long stride = strides[k.Axes[0]];
                string cmp = (k.Kind == ReduceKind.ArgMax ? ">" : "<") + (k.SelectLastIndex ? "=" : "");
                code.Line($"const xb = {xb};");
                code.Line("let best = 0, bv = x0[xb];");
                code.Line($"for (let r = 1; r < {count}; r++) {{ const v = x0[xb + r * {stride}]; if (v {cmp} bv) {{ bv = v; best = r; }} }}");
                code.Line($"y0[{y}] = {(count == 0 ? "0" : "best")};");
                return;
            }
            string init = k.Kind switch
            {
                ReduceKind.Max or ReduceKind.LogSumExp => "-Infinity",
                ReduceKind.Min => "Infinity",
                ReduceKind.Prod => "1",
                _ => "0",
            };
            code.Line($"let r = {init};");
            var inner = new List<long[]> { k.Axes.Select(a => strides[a]).ToArray() };
            // One block per body: with every reduced axis of size 1 the loop vanishes and two bodies share a scope.
            void Loop(string step) => StridedLoop.Emit(code, redShape, inner, [xb], "r", p => code.Line($"{{ const v = x0[{p[0]}]; {step} }}"));
            switch (k.Kind)
            {
                case ReduceKind.Sum or ReduceKind.Mean: Loop("r += v;"); break;
                case ReduceKind.Max: Loop("if (v > r || v !== v) r = v;"); break;
                case ReduceKind.Min: Loop("if (v < r || v !== v) r = v;"); break;
                case ReduceKind.Prod: Loop("r *= v;"); break;
                case ReduceKind.SumSquare or ReduceKind.L2: Loop("r += v * v;"); break;
                case ReduceKind.L1: Loop("r += Math.abs(v);"); break;
                case ReduceKind.LogSum: Loop("r += v;"); break;
                case ReduceKind.LogSumExp:
                    Loop("if (v > r || v !== v) r = v;");
                    code.Line("const mx = r;");
                    code.Line("r = 0;");
                    Loop("r += Math.exp(v - mx);");
                    code.Line("r = mx === -Infinity || mx === Infinity ? mx : mx + Math.log(r);");
                    break;
                default: throw new NotSupportedException($"js backend: reduce {k.Kind}");
            }
            string result = k.Kind switch
            {
                ReduceKind.Mean => $"r / {count}",
                ReduceKind.L2 => "Math.sqrt(r)",
                ReduceKind.LogSum => "Math.log(r)",
                _ => "r",
            };
            code.Line($"y0[{y}] = {result};");
        });
    }
}
