using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Tests.Backends;

namespace WebDnn.Tests.Runtime;

/// <summary>The runtime tests' model: y = x * w + w with w = [1, 2, 3, 4], so x = [1, 2, 3, 4] gives y = [2, 6, 12, 20].</summary>
public static class TinyModel
{
    /// <param name="spill">Also s = sum(big), big one shard and 400 bytes long: two shards (big fills the first, spills into the second with w).</param>
    public static ProgramBuilder Build(bool spill = false)
    {
        var f = DataType.Float32;
        var pb = new ProgramBuilder();
        var x = pb.Input("x", f, [4]);
        KernelBuffer? s = null;
        if (spill)
        {
            var big = pb.Weight(f, [(int)(PackageWriter.ShardBytes / 4) + 100]);
            s = pb.Act(f, 1);
            pb.Add(new ReduceKernel(ReduceKind.Sum, [0], false) { Inputs = [big], Outputs = [s] });
        }
        int k = 0;
        var w = pb.Weight(f, [4], _ => ++k);
        var y = pb.Act(f, 4);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, Expr.Bin(BinaryOp.Mul, Expr.In(0, f), Expr.In(1, f)), Expr.In(1, f))) { Inputs = [x, w], Outputs = [y] });
        pb.Output("y", y);
        if (s is not null)
        {
            pb.Output("s", s);
        }
        return pb;
    }
}
