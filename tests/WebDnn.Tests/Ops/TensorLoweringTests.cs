using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;
using static WebDnn.Tests.Ops.TensorTestGraphs;

namespace WebDnn.Tests.Ops;

/// <summary>
/// Each lowering of a tensor op, executed with the primitives' reference semantics, must reproduce the op's
/// reference evaluator exactly (data movement only, so no tolerance).
/// </summary>
public sealed class TensorLoweringTests
{
    [Theory]
    [InlineData("[1,0,2]")]
    [InlineData("[2,0,1]")]
    [InlineData("[0,1,2]")]
    public void Transpose(string perm) => AssertLoweringMatches($$"""
        input %x: f32[2,3,4]
        %y = Transpose(%x) {perm={{perm}}}
        output %y
        """);

    [Fact]
    public void Transpose_DefaultReversesAxes() => AssertLoweringMatches("""
        input %x: f32[2,3,4,5]
        %y = Transpose(%x)
        output %y
        """);

    [Theory]
    [InlineData("[1,0]", "[4,5]", "[0,1]", "[1,2]")]
    [InlineData("[-1,1]", "[-9223372036854775808,9223372036854775807]", "[0,1]", "[-2,2]")]
    [InlineData("[10,-100]", "[-100,100]", "[0,1]", "[-1,3]")]
    [InlineData("[0]", "[-1]", "[-1]", "[1]")]
    public void Slice_Opset13(string starts, string ends, string axes, string steps)
    {
        int n = starts.Count(c => c == ',') + 1;
        AssertLoweringMatches($"""
            opset 13
            input %x: f32[5,6]
            const %s: i64[{n}] = {starts}
            const %e: i64[{n}] = {ends}
            const %a: i64[{n}] = {axes}
            const %st: i64[{n}] = {steps}
            %y = Slice(%x, %s, %e, %a, %st)
            output %y
            """);
    }

    [Fact]
    public void Slice_Opset9Attributes() => AssertLoweringMatches("""
        opset 9
        input %x: f32[4,6,2]
        %y = Slice(%x) {starts=[1,-4], ends=[1000,-1], axes=[0,1]}
        output %y
        """);

    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    [InlineData("wrap")]
    public void Pad_Modes(string mode) => AssertLoweringMatches($$"""
        opset 19
        input %x: f32[3,4]
        const %p: i64[4] = [2,1,1,3]
        const %v: f32[] = 1.5
        %y = Pad(%x, %p, %v) {mode="{{mode}}"}
        output %y
        """);

    [Fact]
    public void Pad_NegativeCropsAndAxes() => AssertLoweringMatches("""
        opset 18
        input %x: f32[2,3,5]
        const %p: i64[4] = [-1,2,1,-2]
        const %a: i64[2] = [-1,1]
        %y = Pad(%x, %p, _, %a) {mode="edge"}
        output %y
        """);

    [Fact]
    public void Pad_Opset7Attributes() => AssertLoweringMatches("""
        opset 7
        input %x: f32[2,3]
        %y = Pad(%x) {pads=[0,1,1,0], value=-2.5}
        output %y
        """);

    [Fact]
    public void Tile() => AssertLoweringMatches("""
        input %x: f32[2,3]
        const %r: i64[2] = [3,2]
        %y = Tile(%x, %r)
        output %y
        """);

    [Fact]
    public void Expand_BroadcastsBothWays() => AssertLoweringMatches("""
        input %x: f32[3,1]
        const %s: i64[3] = [2,1,4]
        %y = Expand(%x, %s)
        output %y
        """);

    [Fact]
    public void Concat_WithAnEmptyInput()
    {
        var r = AssertLoweringMatches("""
            input %a: f32[2,1,3]
            input %b: f32[2,0,3]
            input %c: f32[2,2,3]
            %y = Concat(%a, %b, %c) {axis=-2}
            output %y
            """);
        Assert.Equal([2, 3, 3], r[0].Shape);
    }

    [Fact]
    public void Split_UnevenNumOutputs()
    {
        var r = AssertLoweringMatches("""
            opset 18
            input %x: f32[2,7]
            %a, %b, %c = Split(%x) {axis=1, num_outputs=3}
            output %a
            output %b
            output %c
            """);
        Assert.Equal([[2, 3], [2, 3], [2, 1]], r.Select(t => t.Shape));
    }

    [Fact]
    public void Split_SizesInput() => AssertLoweringMatches("""
        opset 13
        input %x: f32[7,2]
        const %s: i64[3] = [2,0,5]
        %a, %b, %c = Split(%x, %s)
        output %a
        output %b
        output %c
        """);

    [Theory]
    [InlineData("DCR")]
    [InlineData("CRD")]
    public void DepthToSpace(string mode) => AssertLoweringMatches($$"""
        input %x: f32[2,8,2,3]
        %y = DepthToSpace(%x) {blocksize=2, mode="{{mode}}"}
        output %y
        """);

    [Fact]
    public void SpaceToDepth() => AssertLoweringMatches("""
        input %x: f32[2,3,4,6]
        %y = SpaceToDepth(%x) {blocksize=2}
        output %y
        """);

    [Fact]
    public void SpaceToDepth_InvertsDepthToSpaceDcr()
    {
        var x = Sequential(TensorType.Of(DataType.Float32, 1, 8, 3, 2));
        var y = Eval("""
            input %x: f32[1,8,3,2]
            %d = DepthToSpace(%x) {blocksize=2}
            %y = SpaceToDepth(%d) {blocksize=2}
            output %y
            """, x);
        Assert.Equal(x.Floats, y.Floats);
    }

    [Fact]
    public void Gather_NegativeIndices() => AssertLoweringMatches("""
        input %x: f32[3,4,2]
        input %i: i64[2,2]
        %y = Gather(%x, %i) {axis=1}
        output %y
        """, Sequential(TensorType.Of(DataType.Float32, 3, 4, 2)), Tensor.FromLongs([2, 2], [0, -1, 3, -4]));

    [Fact]
    public void GatherElements() => AssertLoweringMatches("""
        input %x: f32[3,4]
        input %i: i64[2,4]
        %y = GatherElements(%x, %i) {axis=0}
        output %y
        """, Sequential(TensorType.Of(DataType.Float32, 3, 4)), Tensor.FromLongs([2, 4], [0, 1, 2, -1, 2, 2, 0, -3]));

    [Fact]
    public void GatherND_SingleIndexTuples() => AssertLoweringMatches("""
        input %x: f32[4,3]
        input %i: i64[2,2,1]
        %y = GatherND(%x, %i)
        output %y
        """, Sequential(TensorType.Of(DataType.Float32, 4, 3)), Tensor.FromLongs([2, 2, 1], [3, -1, 0, 2]));

    [Theory]
    [InlineData("ArgMax", 0, 1)]
    [InlineData("ArgMax", 1, 0)]
    [InlineData("ArgMin", 0, 1)]
    [InlineData("ArgMin", 1, 0)]
    public void ArgMaxArgMin_TiesAndKeepdims(string op, int selectLast, int keepdims)
    {
        var x = Tensor.FromFloats([2, 4, 3], [1, 5, 5, 5, 1, 2, 5, 5, 2, 0, 1, 2, 3, 3, 3, 3, 3, 3, -1, 7, 7, 7, -1, 3]);
        AssertLoweringMatches($$"""
            opset 13
            input %x: f32[2,4,3]
            %y = {{op}}(%x) {axis=1, keepdims={{keepdims}}, select_last_index={{selectLast}}}
            output %y
            """, x);
    }

    [Fact]
    public void Views_AreAliases()
    {
        const string Text = """
            opset 13
            input %x: f32[2,1,3,4]
            const %ax: i64[1] = [1]
            const %s: i64[2] = [0,-1]
            const %u: i64[2] = [0,-1]
            %a = Squeeze(%x, %ax)
            %b = Reshape(%a, %s)
            %c = Flatten(%b) {axis=0}
            %d = Unsqueeze(%c, %u)
            output %d
            """;
        var r = AssertLoweringMatches(Text);
        Assert.Equal([1, 1, 24, 1], r[0].Shape);
        var program = Lowerer.Lower(Infer(Text));
        // Only the graph-output copy moves data.
        Assert.Single(program.Kernels);
        Assert.IsType<ElementwiseKernel>(program.Kernels[0]);
    }

    [Fact]
    public void CopyReference_ReflectMatchesNumpy()
    {
        // numpy.pad(np.arange(1, 4), 5, mode='reflect') = [2 1 2 3 2 1 2 3 2 1 2 3 2]
        var k = new CopyKernel([13], [3], [0], [1], [-5], 0, [1], PadMode.Reflect, 0) { Inputs = [], Outputs = [] };
        var output = Tensor.Zeros(DataType.Float32, 13);
        CopyReference.Run(k, F32(1, 2, 3), output);
        Assert.Equal([2f, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2], output.Floats);
    }
}
