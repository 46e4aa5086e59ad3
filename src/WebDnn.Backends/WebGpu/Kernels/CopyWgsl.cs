using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// copy (strided index map): one invocation per iteration index. The in-bounds part of the input offset is linear in the
/// iteration coordinates; each input axis that can leave the input (Pad, Tile) is computed on its own and mapped by the
/// pad mode. A copy that writes its whole output in order is a <see cref="WgslKernel.Map"/>; one writing a strided part
/// (Concat, Split) stores per element, and a partial bool copy runs in one invocation (bytes share words).
/// </summary>
internal static class CopyWgsl
{
    public static void Emit(WgslKernel c, CopyKernel k)
    {
        int rank = k.Shape.Length;
        var plan = CopyPlan.Of(k);
        var (check, inBase, inLinear, inStrides) = (plan.Checked, plan.InBase, plan.InLinear, plan.InStrides);
        var w = c.W;
        long count = k.Shape.Aggregate(1L, (a, d) => a * d);

        void Value()
        {
            string at = WgslIndex.Offset("i", k.Shape, inLinear, inBase);
            var outside = new List<string>();
            if (check.Any(x => x))
            {
                w.Line($"var at = {at};");
                for (int j = 0; j < check.Length; j++)
                {
                    if (!check[j])
                    {
                        continue;
                    }
                    var st = plan.CoordinateSteps(k, j);
                    string size = WgslWriter.I32(k.InShape[j]);
                    w.Line($"var c{j} = {WgslIndex.Offset("i", k.Shape, st, k.InStart[j])};");
                    switch (k.Mode)
                    {
                        case PadMode.Edge:
                            w.Line($"c{j} = clamp(c{j}, 0i, {size} - 1i);");
                            break;
                        case PadMode.Wrap:
                            w.Line($"c{j} = ((c{j} % {size}) + {size}) % {size};");
                            break;
                        case PadMode.Reflect:
                            if (k.InShape[j] == 1)
                            {
                                w.Line($"c{j} = 0i;");
                            }
                            else
                            {
                                string period = WgslWriter.I32(2L * (k.InShape[j] - 1));
                                w.Line($"c{j} = ((c{j} % {period}) + {period}) % {period};");
                                w.Line($"c{j} = select({period} - c{j}, c{j}, c{j} < {size});");
                            }
                            break;
                        default:
                            outside.Add($"c{j} < 0i || c{j} >= {size}");
                            break;
                    }
                    w.Line($"at = at + {(inStrides[j] == 1 ? $"c{j}" : $"c{j} * {WgslWriter.I32(inStrides[j])}")};");
                }
                at = "at";
            }
            string v = c.Load(0, outside.Count == 0 ? at : $"select(0i, {at}, !({string.Join(" || ", outside)}))");
            if (outside.Count > 0)
            {
                string pad = WgslExpr.Const(k.PadValue, k.Output.DataType);
                v = $"select({v}, {pad}, {string.Join(" || ", outside)})";
            }
            w.Line($"return {v};");
        }

        var outContiguous = WgslIndex.Contiguous(k.Shape);
        bool whole = k.OutOffset == 0 && count == k.Output.Length && k.OutStrides.Select(s => (long)s).SequenceEqual(outContiguous);
        if (whole)
        {
            c.Map(Value);
            return;
        }
        string t = WgslKernel.ValueType(k.Output.DataType);
        w.Function($"fn value(i: i32) -> {t}", Value);
        w.Const("N", "i32", WgslWriter.I32(count));
        string outAt = WgslIndex.Offset("i", k.Shape, k.OutStrides.Select(s => (long)s).ToArray(), k.OutOffset);
        if (k.Output.DataType == DataType.Bool)
        {
            w.Main(1, 1, 1, () =>
            {
                w.Open("for (var i: i32 = 0; i < N; i++)");
                w.Line($"let o = {outAt};");
                w.Line("let sh = u32(o & 3) * 8u;");
                w.Line($"{c.Out(0)}[o >> 2u] = ({c.Out(0)}[o >> 2u] & ~(0xffu << sh)) | (select(0u, 1u, value(i)) << sh);");
                w.Close();
            });
            c.Dispatch = [1, 1, 1];
            return;
        }
        w.Main(WgslKernel.Threads, 1, 1, () =>
        {
            w.Open($"for (var i: i32 = i32(gid.x); i < N; i += i32(nwg.x) * {WgslKernel.Threads})");
            w.Line($"{c.OutAt(0, outAt)} = value(i);");
            w.Close();
        });
        c.Dispatch = [WgslKernel.Groups(count), 1, 1];
    }
}
