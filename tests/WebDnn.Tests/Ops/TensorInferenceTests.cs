using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>Shape and type inference of the tensor (data movement) ops, with symbolic and unknown dims.</summary>
public sealed class TensorInferenceTests
{
    private static string Out(string text, int i = 0) => Infer(text).Outputs[i].Type!.ToString();

    [Fact]
    public void Reshape_ZeroCopiesSymbolicDim_MinusOneInferred()
    {
        Assert.Equal("f32[N,12]", Out("""
            input %x: f32[N,3,4]
            const %s: i64[2] = [0,-1]
            %y = Reshape(%x, %s)
            output %y
            """));
        Assert.Equal("f32[N,2,6]", Out("""
            input %x: f32[N,3,4]
            const %s: i64[3] = [-1,2,6]
            %y = Reshape(%x, %s)
            output %y
            """));
        Assert.Equal("f32[?,6]", Out("""
            input %x: f32[N,M,3,4]
            const %s: i64[2] = [-1,6]
            %y = Reshape(%x, %s)
            output %y
            """));
    }

    [Fact]
    public void Reshape_AllowZeroKeepsZeroDims() => Assert.Equal("f32[0,4]", Out("""
        opset 14
        input %x: f32[0,4]
        const %s: i64[2] = [0,4]
        %y = Reshape(%x, %s) {allowzero=1}
        output %y
        """));

    [Fact]
    public void Reshape_NonConstantShape_GivesUnknownDims() => Assert.Equal("f32[?,?,?]", Out("""
        input %x: f32[N,3,4]
        input %s: i64[3]
        %y = Reshape(%x, %s)
        output %y
        """));

    [Fact]
    public void Reshape_WrongElementCount_IsAModelError()
    {
        var e = Assert.Throws<InvalidModelException>(() => Infer("""
            input %x: f32[2,3]
            const %s: i64[2] = [4,2]
            %y = Reshape(%x, %s)
            output %y
            """));
        Assert.Contains("cannot reshape", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FlattenSqueezeUnsqueeze()
    {
        Assert.Equal("f32[N,60]", Out("""
            input %x: f32[N,3,4,5]
            %y = Flatten(%x)
            output %y
            """));
        Assert.Equal("f32[1,?]", Out("""
            input %x: f32[N,3]
            %y = Flatten(%x) {axis=0}
            output %y
            """));
        Assert.Equal("f32[N,4]", Out("""
            opset 13
            input %x: f32[N,1,4,1]
            const %a: i64[2] = [1,-1]
            %y = Squeeze(%x, %a)
            output %y
            """));
        Assert.Equal("f32[1,N,1,4]", Out("""
            opset 11
            input %x: f32[N,4]
            %y = Unsqueeze(%x) {axes=[-2,0]}
            output %y
            """));
    }

    [Fact]
    public void Squeeze_NonUnitAxis_IsAModelError() => Assert.Throws<InvalidModelException>(() => Infer("""
        opset 11
        input %x: f32[2,3]
        %y = Squeeze(%x) {axes=[0]}
        output %y
        """));

    [Fact]
    public void TransposeConcatSplit()
    {
        Assert.Equal("f32[4,N,3]", Out("""
            input %x: f32[N,3,4]
            %y = Transpose(%x) {perm=[2,0,1]}
            output %y
            """));
        Assert.Equal("f32[N,7]", Out("""
            input %a: f32[N,3]
            input %b: f32[?,4]
            %y = Concat(%a, %b) {axis=1}
            output %y
            """));
        Assert.Equal("f32[?,3]", Out("""
            input %a: f32[N,3]
            input %b: f32[M,3]
            %y = Concat(%a, %b) {axis=0}
            output %y
            """));
        var g = Infer("""
            opset 18
            input %x: f32[B,10]
            %a, %b, %c, %d = Split(%x) {axis=-1, num_outputs=4}
            output %a
            output %b
            output %c
            output %d
            """);
        Assert.Equal(["f32[B,3]", "f32[B,3]", "f32[B,3]", "f32[B,1]"], g.Outputs.Select(o => o.Type!.ToString()));
    }

    [Fact]
    public void Concat_MismatchedDims_IsAModelError() => Assert.Throws<InvalidModelException>(() => Infer("""
        input %a: f32[2,3]
        input %b: f32[4,4]
        %y = Concat(%a, %b) {axis=0}
        output %y
        """));

    [Fact]
    public void Slice_ClampsAndKeepsUnslicedSymbolicDims()
    {
        Assert.Equal("f32[N,3,?]", Out("""
            input %x: f32[N,10,M]
            const %s: i64[2] = [-3,1]
            const %e: i64[2] = [9223372036854775807,100]
            const %a: i64[2] = [1,2]
            %y = Slice(%x, %s, %e, %a)
            output %y
            """));
        var g = Infer("""
            input %x: f32[10,4]
            const %s: i64[1] = [-1]
            const %e: i64[1] = [-9223372036854775808]
            const %a: i64[1] = [0]
            const %st: i64[1] = [-2]
            input %dyn: i64[1]
            %y = Slice(%x, %s, %e, %a, %st)
            %z = Slice(%y, %s, %dyn)
            output %y
            output %z
            """);
        Assert.Equal("f32[5,4]", g.Outputs[0].Type!.ToString());
        Assert.Equal("f32[?,4]", g.Outputs[1].Type!.ToString());
    }

    [Fact]
    public void GatherFamily()
    {
        Assert.Equal("f32[N,2,5,4]", Out("""
            input %x: f32[N,3,4]
            input %i: i64[2,5]
            %y = Gather(%x, %i) {axis=1}
            output %y
            """));
        Assert.Equal("f32[N,2]", Out("""
            input %x: f32[N,3]
            input %i: i64[N,2]
            %y = GatherElements(%x, %i) {axis=1}
            output %y
            """));
        Assert.Equal("f32[B,7,4]", Out("""
            opset 12
            input %x: f32[B,3,5,4]
            input %i: i64[B,7,2]
            %y = GatherND(%x, %i) {batch_dims=1}
            output %y
            """));
    }

    [Fact]
    public void ExpandTilePad()
    {
        Assert.Equal("f32[2,N,4]", Out("""
            input %x: f32[N,1]
            const %s: i64[3] = [2,1,4]
            %y = Expand(%x, %s)
            output %y
            """));
        Assert.Equal("f32[N,6]", Out("""
            input %x: f32[N,3]
            const %r: i64[2] = [1,2]
            %y = Tile(%x, %r)
            output %y
            """));
        Assert.Equal("f32[N,7]", Out("""
            opset 18
            input %x: f32[N,4]
            const %p: i64[2] = [1,2]
            const %a: i64[1] = [1]
            %y = Pad(%x, %p, _, %a)
            output %y
            """));
    }

    [Fact]
    public void IndexOpsProduceInt64()
    {
        Assert.Equal("i64[N,1]", Out("""
            input %x: f32[N,5]
            %y = ArgMax(%x) {axis=-1}
            output %y
            """));
        Assert.Equal("i64[5]", Out("""
            input %x: f32[N,5]
            %y = ArgMin(%x) {axis=0, keepdims=0}
            output %y
            """));
        var g = Infer("""
            input %x: f32[N,10]
            const %k: i64[1] = [3]
            %v, %i = TopK(%x, %k)
            output %v
            output %i
            """);
        Assert.Equal("f32[N,3]", g.Outputs[0].Type!.ToString());
        Assert.Equal("i64[N,3]", g.Outputs[1].Type!.ToString());
        Assert.Equal("i64[3,?]", Out("""
            input %x: f32[N,2,2]
            %y = NonZero(%x)
            output %y
            """));
        Assert.Equal("i64[3]", Out("""
            input %x: f32[N,2,2]
            %y = Shape(%x)
            output %y
            """));
        Assert.Equal("i64[1]", Out("""
            opset 15
            input %x: f32[N,2,2]
            %y = Shape(%x) {start=-2, end=-1}
            output %y
            """));
    }

    [Fact]
    public void ShapeDependentOnConstants()
    {
        Assert.Equal("f32[2,3]", Out("""
            const %s: i64[2] = [2,3]
            %y = ConstantOfShape(%s)
            output %y
            """));
        Assert.Equal("i64[4]", Out("""
            const %a: i64[] = 10
            const %b: i64[] = 2
            const %d: i64[] = -2
            %y = Range(%a, %b, %d)
            output %y
            """));
        Assert.Equal("f32[N,4,3]", Out("""
            input %i: i64[N,3]
            const %d: i64[] = 4
            const %v: f32[2] = [0,1]
            %y = OneHot(%i, %d, %v) {axis=1}
            output %y
            """));
        Assert.Equal("f32[N,2,6,8]", Out("""
            input %x: f32[N,8,3,4]
            %y = DepthToSpace(%x) {blocksize=2}
            output %y
            """));
        Assert.Equal("f32[N,32,1,2]", Out("""
            input %x: f32[N,8,2,4]
            %y = SpaceToDepth(%x) {blocksize=2}
            output %y
            """));
    }
}
