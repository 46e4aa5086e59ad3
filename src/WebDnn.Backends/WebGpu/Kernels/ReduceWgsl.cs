using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// reduce: one row per output element (the kept coordinates), the reduced coordinates walked by a flat index through
/// their strides. Short rows, integer inputs and arg reductions: one invocation per output; long f32 rows: one workgroup
/// per output (<see cref="WgslRows"/>). LogSumExp subtracts the row maximum first.
/// </summary>
internal static class ReduceWgsl
{
    public static void Emit(WgslKernel c, ReduceKernel k)
    {
        var x = k.Inputs[0].Shape;
        var strides = WgslIndex.Contiguous(x);
        var kept = Enumerable.Range(0, x.Length).Where(a => !k.Axes.Contains(a)).ToArray();
        var keptShape = kept.Select(a => x[a]).ToArray();
        var redShape = k.Axes.Select(a => x[a]).ToArray();
        long count = redShape.Aggregate(1L, (a, d) => a * d);
        long rows = keptShape.Aggregate(1L, (a, d) => a * d);
        string rowBase = WgslIndex.Offset("row", keptShape, kept.Select(a => strides[a]).ToArray());
        string redAt = WgslIndex.Offset("r", redShape, k.Axes.Select(a => strides[a]).ToArray());
        var w = c.W;
        w.Const("COUNT", "i32", WgslWriter.I32(count));
        string at = $"xb + {redAt}";
        bool isInt = k.Inputs[0].DataType != DataType.Float32;
        string y = c.OutAt(0, "row");

        if (k.Kind is ReduceKind.ArgMax or ReduceKind.ArgMin)
        {
            string cmp = (k.Kind == ReduceKind.ArgMax ? ">" : "<") + (k.SelectLastIndex ? "=" : "");
            WgslRows.Emit(c, rows, false, () =>
            {
                w.Line($"let xb = {rowBase};");
                w.Line("var best = 0i;");
                w.Line($"var bv = {c.Load(0, "xb")};");
                w.Open("for (var r: i32 = 1; r < COUNT; r++)");
                w.Line($"let v = {c.Load(0, at)};");
                w.Line($"if (v {cmp} bv) {{ bv = v; best = r; }}");
                w.Close();
                w.Line($"{y} = best;");
            });
            return;
        }
        if (isInt)
        {
            string init = k.Kind switch
            {
                ReduceKind.Max => WgslWriter.I32(int.MinValue),
                ReduceKind.Min => WgslWriter.I32(int.MaxValue),
                ReduceKind.Prod => "1i",
                _ => "0i",
            };
            string step = k.Kind switch
            {
                ReduceKind.Sum or ReduceKind.Mean => "acc + v",
                ReduceKind.Max => "max(acc, v)",
                ReduceKind.Min => "min(acc, v)",
                ReduceKind.Prod => "acc * v",
                ReduceKind.SumSquare => "acc + v * v",
                ReduceKind.L1 => "acc + abs(v)",
                _ => throw new UnsupportedModelException($"webgpu backend: integer reduce {k.Kind} (from {k.Origin})"),
            };
            WgslRows.Emit(c, rows, false, () =>
            {
                w.Line($"let xb = {rowBase};");
                w.Line($"var acc = {init};");
                w.Open("for (var r: i32 = 0; r < COUNT; r++)");
                w.Line($"let v = {c.Load(0, at)};");
                w.Line($"acc = {step};");
                w.Close();
                w.Line($"{y} = {(k.Kind == ReduceKind.Mean ? $"acc / {WgslWriter.I32(Math.Max(count, 1))}" : "acc")};");
            });
            return;
        }

        string fInit = k.Kind switch
        {
            ReduceKind.Max or ReduceKind.LogSumExp => "-bitcast<f32>(INF_BITS)",
            ReduceKind.Min => "bitcast<f32>(INF_BITS)",
            ReduceKind.Prod => "1f",
            _ => "0f",
        };
        string fStep = k.Kind switch
        {
            ReduceKind.Sum or ReduceKind.Mean or ReduceKind.LogSum => "acc + v",
            ReduceKind.Max or ReduceKind.LogSumExp => "select(max(acc, v), acc + v, is_nan(acc) || is_nan(v))",
            ReduceKind.Min => "select(min(acc, v), acc + v, is_nan(acc) || is_nan(v))",
            ReduceKind.Prod => "acc * v",
            ReduceKind.SumSquare or ReduceKind.L2 => "fma(v, v, acc)",
            ReduceKind.L1 => "acc + abs(v)",
            _ => throw new UnsupportedModelException($"webgpu backend: reduce {k.Kind} (from {k.Origin})"),
        };
        string combine = k.Kind switch
        {
            ReduceKind.Max or ReduceKind.LogSumExp => "max",
            ReduceKind.Min => "min",
            ReduceKind.Prod => "prod",
            _ => "sum",
        };
        string Final(string acc) => k.Kind switch
        {
            ReduceKind.Mean => $"{acc} / {WgslWriter.F32(count)}",
            ReduceKind.L2 => $"sqrt({acc})",
            ReduceKind.LogSum => $"log({acc})",
            _ => acc,
        };
        w.Helper("bits", WgslExpr.Bits);
        bool wide = count > WgslRows.ShortRow;
        if (wide)
        {
            WgslRows.Combine(w, combine);
            WgslRows.Combine(w, "sum");
        }
        WgslRows.Emit(c, rows, wide, () =>
        {
            string start = wide ? "i32(tid)" : "0";
            string stride = wide ? WgslWriter.I32(WgslKernel.Threads) : "1";
            w.Line($"let xb = {rowBase};");
            w.Line($"var acc = {fInit};");
            w.Open($"for (var r: i32 = {start}; r < COUNT; r += {stride})");
            w.Line($"let v = {c.Load(0, at)};");
            w.Line($"acc = {fStep};");
            w.Close();
            if (wide)
            {
                w.Line($"acc = wg_{combine}(tid, acc);");
            }
            if (k.Kind == ReduceKind.LogSumExp)
            {
                w.Line("let mx = acc;");
                w.Line("var s = 0f;");
                w.Open($"for (var r: i32 = {start}; r < COUNT; r += {stride})");
                w.Line($"s += exp({c.Load(0, at)} - mx);");
                w.Close();
                if (wide)
                {
                    w.Line("s = wg_sum(tid, s);");
                }
                w.Line("acc = select(mx + log(s), mx, is_inf(mx));");
            }
            w.Line(wide ? $"if (tid == 0u) {{ {y} = {Final("acc")}; }}" : $"{y} = {Final("acc")};");
        });
    }
}
