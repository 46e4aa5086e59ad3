using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Tests.Backends;

namespace WebDnn.Tests.Runtime;

/// <summary>
/// A program that keeps the wasm backend busy for a while: <c>layers</c> matmuls [rows, 1024]·[1024, 1024] with tanh
/// (2·rows·1024²·layers flops: 256 rows and 6 layers are 3.2 GFLOP, several hundred milliseconds on one core). Input
/// 'x', output 'y'.
/// </summary>
public static class SlowMatMulModel
{
    public static ProgramBuilder Build(int rows, int layers)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", DataType.Float32, [rows, 1024]);
        var w = pb.Weight(DataType.Float32, [1024, 1024], r => (r.NextDouble() * 2 - 1) / 32);
        var cur = x;
        for (int i = 0; i < layers; i++)
        {
            var o = pb.Act(DataType.Float32, rows, 1024);
            pb.Add(new MatMulKernel(false, Expr.Un(UnaryOp.Tanh, Expr.In(0, DataType.Float32)), 2) { Inputs = [cur, w], Outputs = [o] });
            cur = o;
        }
        pb.Output("y", cur);
        return pb;
    }
}
