using System.Globalization;
using WebDnn.Core;
using WebDnn.Passes;

// Seconds per O2 pass on a generated chain of about N nodes, built from groups that give every pass work (see Chain).
// A benchmark, not a test: timings depend on the machine. Usage:
//   dotnet run --project tests/WebDnn.PassBench -c Release -- [N ...]     (default: 1000 10000 100000)
var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1_000, 10_000, 100_000];
var passes = Pipelines.O2();
Console.WriteLine($"{"nodes",8} {string.Join(" ", passes.Select(p => $"{p.Name,26}"))} {"total",8}");
foreach (int n in sizes)
{
    var g = Chain(n);
    var records = Pipelines.Run(g, passes, new PassContext());
    double total = records.Sum(r => r.ElapsedMs) / 1000;
    Console.WriteLine($"{n,8} {string.Join(" ", records.Select(r => $"{r.ElapsedMs / 1000,26:0.000}"))} {total,8:0.000}");
    Console.WriteLine($"{"",8} nodes after: {string.Join(" · ", records.Select(r => $"{r.Pass} {r.NodeCount}"))}");
}

static Graph Chain(int n)
{
    const int c = 4;
    var g = new Graph { Name = "chain" };
    g.Opsets[""] = 18;
    var f32 = DataType.Float32;
    Value Const(params float[] v) => g.Constant(Tensor.FromFloats([v.Length], v));
    var x = new Value("x", TensorType.Of(f32, [1, c]));
    g.Inputs.Add(x);
    var w = g.Constant(Tensor.FromFloats([c, c], Enumerable.Range(0, c * c).Select(i => i % (c + 1) == 0 ? 1f : 0.01f).ToArray()));
    Value Op(string op, params Value[] inputs) => g.AddNode(op, inputs).Outputs[0];
    var v = x;
    int made = 0;
    while (made < n)
    {
        // One group of 12 nodes: MatMul + BN (folds into the MatMul), an activation chain (fuses into its epilogue),
        // a LayerNorm spelled out (9 nodes, recognized), and elementwise nodes the epilogue cannot take (fuse-elementwise).
        v = Op("MatMul", v, w);
        v = Op("BatchNormalization", v, Const(2, 2, 2, 2), Const(1, 1, 1, 1), Const(0.5f, 0.5f, 0.5f, 0.5f), Const(4, 4, 4, 4));
        v = Op("Relu", v);
        made += 3;
        var axes = g.Constant(Tensor.FromLongs([1], [-1]));
        var mean = Op("ReduceMean", v, axes);
        var d = Op("Sub", v, mean);
        var sq = Op("Mul", d, d);
        var var_ = Op("ReduceMean", sq, axes);
        var std = Op("Sqrt", Op("Add", var_, g.Constant(Tensor.Scalar(1e-5f))));
        v = Op("Add", Op("Mul", Op("Div", d, std), Const(2, 2, 2, 2)), Const(0.5f, 0.5f, 0.5f, 0.5f));
        made += 9;
        v = Op("Tanh", Op("Neg", v));
        made += 2;
    }
    g.Outputs.Add(v);
    return g;
}
