using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>Reference evaluators of the tensor ops on small hand-computed (numpy-checked) cases.</summary>
public sealed class TensorEvaluateTests
{
    private static Tensor I64s(int[] shape, params long[] v) => Tensor.FromLongs(shape, v);

    [Fact]
    public void Slice_NegativeStepFromInt64MaxToMin()
    {
        // np.arange(10)[9::-3] = [9, 6, 3, 0]; INT64_MAX start clamps to 9, INT64_MIN end to "before 0".
        var y = Eval("""
            input %x: f32[10]
            const %s: i64[1] = [9223372036854775807]
            const %e: i64[1] = [-9223372036854775808]
            const %a: i64[1] = [0]
            const %st: i64[1] = [-3]
            %y = Slice(%x, %s, %e, %a, %st)
            output %y
            """, F32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        Assert.Equal([9f, 6, 3, 0], y.Floats);
    }

    [Fact]
    public void Pad_ReflectBeyondOneLength_RepeatsTheMirror()
    {
        // np.pad([1,2,3], (4,1), 'reflect') = [1 2 3 2 1 2 3 2]
        var y = Eval("""
            opset 13
            input %x: f32[3]
            const %p: i64[2] = [4,1]
            %y = Pad(%x, %p) {mode="reflect"}
            output %y
            """, F32(1, 2, 3));
        Assert.Equal([1f, 2, 3, 2, 1, 2, 3, 2], y.Floats);
    }

    [Fact]
    public void TopK_TiesKeepLowerIndexFirst()
    {
        var r = EvalAll("""
            opset 11
            input %x: f32[1,6]
            const %k: i64[1] = [4]
            %v, %i = TopK(%x, %k) {largest=1}
            output %v
            output %i
            """, F32([1, 6], 3, 1, 3, 5, 1, 5));
        Assert.Equal([5f, 5, 3, 3], r[0].Floats);
        Exact([3, 5, 0, 2], r[1]);
        var s = EvalAll("""
            opset 11
            input %x: f32[1,6]
            const %k: i64[1] = [3]
            %v, %i = TopK(%x, %k) {largest=0}
            output %v
            output %i
            """, F32([1, 6], 3, 1, 3, 5, 1, 5));
        Exact([1, 4, 0], s[1]);
    }

    [Fact]
    public void ArgMax_SelectLastIndex()
    {
        const string Text = """
            opset 12
            input %x: f32[2,3]
            %y = ArgMax(%x) {axis=1, keepdims=0, select_last_index=SL}
            output %y
            """;
        var x = F32([2, 3], 4, 9, 9, 2, 2, 1);
        Exact([1, 0], Eval(Text.Replace("SL", "0", StringComparison.Ordinal), x));
        Exact([2, 1], Eval(Text.Replace("SL", "1", StringComparison.Ordinal), x));
    }

    [Fact]
    public void CumSum_ExclusiveReverse()
    {
        // [1,2,3,4] reverse exclusive: [9, 7, 4, 0]
        var y = Eval("""
            input %x: i32[4]
            const %a: i32[] = 0
            %y = CumSum(%x, %a) {exclusive=1, reverse=1}
            output %y
            """, Tensor.FromLongs(DataType.Int32, [4], [1, 2, 3, 4]));
        Exact([9, 7, 4, 0], y);
    }

    [Fact]
    public void Trilu_LowerWithNegativeK()
    {
        var y = Eval("""
            input %x: f32[3,3]
            const %k: i64[] = -1
            %y = Trilu(%x, %k) {upper=0}
            output %y
            """, F32([3, 3], 1, 2, 3, 4, 5, 6, 7, 8, 9));
        Assert.Equal([0f, 0, 0, 4, 0, 0, 7, 8, 0], y.Floats);
    }

    [Fact]
    public void OneHot_NegativeAndOutOfRangeIndices()
    {
        var y = Eval("""
            input %i: i64[3]
            const %d: f32[] = 3
            const %v: f32[2] = [-1,2]
            %y = OneHot(%i, %d, %v)
            output %y
            """, I64(-1, 3, 0));
        Assert.Equal([-1f, -1, 2, -1, -1, -1, 2, -1, -1], y.Floats);
    }

    [Fact]
    public void ScatterElements_AddAccumulatesDuplicates()
    {
        var y = Eval("""
            opset 16
            input %x: f32[1,5]
            input %i: i64[1,3]
            input %u: f32[1,3]
            %y = ScatterElements(%x, %i, %u) {axis=1, reduction="add"}
            output %y
            """, F32([1, 5], 1, 2, 3, 4, 5), I64s([1, 3], 1, 1, -1), F32([1, 3], 10, 20, 30));
        Assert.Equal([1f, 32, 3, 4, 35], y.Floats);
    }

    [Fact]
    public void ScatterND_MaxOnSlices()
    {
        var y = Eval("""
            opset 18
            input %x: f32[2,2]
            input %i: i64[1,1]
            input %u: f32[1,2]
            %y = ScatterND(%x, %i, %u) {reduction="max"}
            output %y
            """, F32([2, 2], 1, 5, 3, 4), I64s([1, 1], 0), F32([1, 2], 2, 2));
        Assert.Equal([2f, 5, 3, 4], y.Floats);
    }

    [Fact]
    public void GatherND_BatchDims()
    {
        // data [[[0,1],[2,3]],[[4,5],[6,7]]], indices [[1],[0]], batch_dims=1 -> [[2,3],[4,5]]
        var y = Eval("""
            opset 12
            input %x: i32[2,2,2]
            input %i: i64[2,1]
            %y = GatherND(%x, %i) {batch_dims=1}
            output %y
            """, Tensor.FromLongs(DataType.Int32, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]), I64s([2, 1], 1, 0));
        Assert.Equal([2, 2], y.Shape);
        Exact([2, 3, 4, 5], y);
    }

    [Fact]
    public void CompressNonZeroUnique()
    {
        var c = Eval("""
            input %x: f32[3,2]
            input %c: bool[2]
            %y = Compress(%x, %c) {axis=0}
            output %y
            """, F32([3, 2], 1, 2, 3, 4, 5, 6), new Tensor(DataType.Bool, [2], new[] { false, true }));
        Assert.Equal([3f, 4], c.Floats);
        var nz = Eval("""
            input %x: f32[2,2]
            %y = NonZero(%x)
            output %y
            """, F32([2, 2], 1, 0, 0, 2));
        Assert.Equal([2, 2], nz.Shape);
        Exact([0, 1, 0, 1], nz);
        var u = EvalAll("""
            input %x: f32[6]
            %y, %i, %inv, %n = Unique(%x) {sorted=0}
            output %y
            output %i
            output %inv
            output %n
            """, F32(2, 1, 1, 3, 4, 3));
        Assert.Equal([2f, 1, 3, 4], u[0].Floats);
        Exact([0, 1, 3, 4], u[1]);
        Exact([0, 1, 1, 2, 3, 2], u[2]);
        Exact([1, 2, 2, 1], u[3]);
    }

    [Fact]
    public void Einsum_BatchMatMulAndImplicitOutput()
    {
        var y = Eval("""
            input %a: f32[1,2,3]
            input %b: f32[1,3,1]
            %y = Einsum(%a, %b) {equation="bij,bjk->bik"}
            output %y
            """, F32([1, 2, 3], 1, 2, 3, 4, 5, 6), F32([1, 3, 1], 1, 0, -1));
        Assert.Equal([1, 2, 1], y.Shape);
        Assert.Equal([-2f, -2], y.Floats);
        // Implicit output "ij,jk" = "ij,jk->ik"; "ii" (trace) = scalar.
        var t = Eval("""
            input %a: f32[2,2]
            %y = Einsum(%a) {equation="ii"}
            output %y
            """, F32([2, 2], 1, 2, 3, 4));
        Assert.Empty(t.Shape);
        Assert.Equal(5f, t.Floats[0]);
    }

    [Fact]
    public void RangeEyeLikeReverseSequence()
    {
        var r = Eval("""
            input %s: f32[]
            input %l: f32[]
            input %d: f32[]
            %y = Range(%s, %l, %d)
            output %y
            """, Tensor.Scalar(1), Tensor.Scalar(2), Tensor.Scalar(0.25f));
        Assert.Equal([1f, 1.25f, 1.5f, 1.75f], r.Floats);
        var e = Eval("""
            input %x: f32[2,3]
            %y = EyeLike(%x) {k=1, dtype=7}
            output %y
            """, F32([2, 3], 0, 0, 0, 0, 0, 0));
        Assert.Equal(DataType.Int64, e.DataType);
        Exact([0, 1, 0, 0, 0, 1], e);
        var rs = Eval("""
            input %x: f32[3,2]
            input %n: i64[2]
            %y = ReverseSequence(%x, %n) {time_axis=0, batch_axis=1}
            output %y
            """, F32([3, 2], 1, 2, 3, 4, 5, 6), I64(3, 2));
        Assert.Equal([5f, 4, 3, 2, 1, 6], rs.Floats);
    }

    [Fact]
    public void Constant_StringValue_IsUnsupported()
    {
        var e = Assert.Throws<UnsupportedModelException>(() => Infer("""
            opset 12
            %y = Constant() {value_string="hi"}
            output %y
            """));
        Assert.Contains("string", e.Message, StringComparison.Ordinal);
        var ints = Eval("""
            opset 12
            %y = Constant() {value_ints=[3,-1]}
            output %y
            """);
        Exact([3, -1], ints);
    }
}
