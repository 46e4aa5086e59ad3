using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering;
using WebDnn.Ops;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>
/// Runs a lowered <see cref="KernelProgram"/> on the CPU with the reference semantics of the data-movement primitives
/// (<see cref="CopyKernelReference"/>, gather, gather_elements, arg-reduce, identity copies), so a lowering can be
/// checked against the op's reference evaluator before any backend exists.
/// </summary>
internal static class TensorTestGraphs
{
    /// <summary>Evaluates <paramref name="text"/> with the reference interpreter and with its lowering; asserts equal results.</summary>
    public static Tensor[] AssertLoweringMatches(string text, params Tensor[] inputs)
    {
        var g = Infer(text);
        var all = g.Inputs.Select((v, i) => i < inputs.Length ? inputs[i] : Sequential(v.Type!)).ToArray();
        var expected = EvalAll(text, all);
        var actual = RunLowered(g, all);
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Shape, actual[o].Shape);
            Assert.Equal(LowerContext.KernelType(expected[o].DataType), actual[o].DataType);
            // Pure data movement: the lowered result must be bit-exact (int64 values here fit int32).
            Assert.Equal(expected[o].ToDoubles(), actual[o].ToDoubles());
        }
        return expected;
    }

    /// <summary>Values 1, 2, 3, … so any misplaced element is visible.</summary>
    public static Tensor Sequential(TensorType t)
    {
        var shape = t.StaticShape();
        return Tensor.FromDoubles(t.DataType, shape, Enumerable.Range(1, (int)Tensor.ElementCount(shape)).Select(i => (double)i).ToArray());
    }

    public static Tensor[] RunLowered(Graph g, Tensor[] inputs)
    {
        var program = Lowerer.Lower(g);
        var storage = new Dictionary<KernelBuffer, Tensor>();
        Tensor Get(KernelBuffer b)
        {
            var root = b.Root;
            if (!storage.TryGetValue(root, out var t))
            {
                t = root.Weight ?? Tensor.Zeros(root.DataType, root.Shape);
                storage[root] = t;
            }
            return t.Reshape(b.Shape);
        }
        foreach (var io in program.Inputs)
        {
            var t = inputs[g.Inputs.FindIndex(v => v.Name == io.Name)];
            storage[io.KernelBuffer.Root] = Lowerer.ToKernelType(t, io.KernelBuffer.DataType, io.Name);
        }
        foreach (var k in program.Kernels)
        {
            Execute(k, Get);
        }
        return program.Outputs.Select(o => Get(o.KernelBuffer)).ToArray();
    }

    private static void Execute(Kernel k, Func<KernelBuffer, Tensor> get)
    {
        switch (k)
        {
            case CopyKernel c:
                CopyKernelReference.Execute(c, get(c.Inputs[0]), get(c.Output));
                break;
            case ElementwiseKernel { Body: InputExpr { Index: 0 } } e when e.Inputs[0].Length == e.Output.Length:
                Array.Copy(get(e.Inputs[0]).Data, get(e.Output).Data, e.Output.Length);
                break;
            case GatherKernel gk:
                Gather(get(gk.Inputs[0]), get(gk.Inputs[1]), get(gk.Output), gk.Axis);
                break;
            case GatherElementsKernel ge:
                GatherElements(get(ge.Inputs[0]), get(ge.Inputs[1]), get(ge.Output), ge.Axis);
                break;
            case ReduceKernel { Kind: ReduceKind.ArgMax or ReduceKind.ArgMin, Axes: [var axis] } r:
                ArgReduce(get(r.Inputs[0]), get(r.Output), axis, r.Kind == ReduceKind.ArgMax, r.SelectLastIndex);
                break;
            default:
                throw new NotSupportedException($"no test reference for {k.Primitive} kernels");
        }
    }

    private static void Gather(Tensor data, Tensor idx, Tensor output, int axis)
    {
        int outer = data.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = data.Shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        int dim = data.Shape[axis], o = 0;
        for (int a = 0; a < outer; a++)
        {
            for (int i = 0; i < idx.Length; i++)
            {
                long j = idx.GetLong(i);
                j = j < 0 ? j + dim : j;
                Array.Copy(data.Data, (a * dim + (int)j) * inner, output.Data, o, inner);
                o += inner;
            }
        }
    }

    private static void GatherElements(Tensor data, Tensor idx, Tensor output, int axis)
    {
        var ds = Tensor.Strides(data.Shape);
        var ishape = idx.Shape;
        var coord = new int[ishape.Length];
        for (int e = 0; e < idx.Length; e++)
        {
            int rem = e, off = 0;
            for (int d = ishape.Length - 1; d >= 0; d--)
            {
                coord[d] = rem % ishape[d];
                rem /= ishape[d];
            }
            for (int d = 0; d < coord.Length; d++)
            {
                long c = d == axis ? idx.GetLong(e) : coord[d];
                off += (int)(c < 0 ? c + data.Shape[d] : c) * ds[d];
            }
            Array.Copy(data.Data, off, output.Data, e, 1);
        }
    }

    private static void ArgReduce(Tensor x, Tensor output, int axis, bool max, bool last)
    {
        int outer = x.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = x.Shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        int n = x.Shape[axis];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                for (int k = 1; k < n; k++)
                {
                    double v = x.GetDouble((o * n + k) * inner + i), b = x.GetDouble((o * n + best) * inner + i);
                    if (max ? v > b || v == b && last : v < b || v == b && last)
                    {
                        best = k;
                    }
                }
                output.SetLong(o * inner + i, best);
            }
        }
    }
}
