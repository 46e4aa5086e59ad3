using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>Attention, RotaryEmbedding and RMSNormalization (opset 23) against hand-computed values.</summary>
public sealed class AttentionOpsTests
{
    [Fact]
    public void Attention_InfersShapes_WithSymbolicBatch()
    {
        var g = Infer("""
            opset 23
            input %q: f32[B,2,3,4]
            input %k: f32[B,1,5,4]
            input %v: f32[B,1,5,6]
            input %pk: f32[B,1,2,4]
            input %pv: f32[B,1,2,6]
            %y, %ok, %ov, %qk = Attention(%q, %k, %v, _, %pk, %pv)
            output %y
            output %ok
            output %ov
            output %qk
            """);
        Assert.Equal("f32[B,2,3,6]", g.Outputs[0].Type!.ToString());
        Assert.Equal("f32[B,1,7,4]", g.Outputs[1].Type!.ToString());
        Assert.Equal("f32[B,2,3,7]", g.Outputs[3].Type!.ToString());
    }

    [Fact]
    public void Attention_SoftmaxWeightsValues_CausalAndGrouped()
    {
        // One query head pair sharing one kv head (GQA), head size 1, scale 1:
        // q = [1], keys [0, ln 3]: weights ∝ [1, 3] → y = (v0 + 3 v1) / 4. Causal with 2 queries: query 0 sees key 0 only.
        const string text = """
            opset 23
            input %q: f32[1,2,2,1]
            input %k: f32[1,1,2,1]
            input %v: f32[1,1,2,1]
            %y = Attention(%q, %k, %v) {scale=1.0, is_causal=1}
            output %y
            """;
        var q = F32([1, 2, 2, 1], 1, 1, 1, 1);
        var k = F32([1, 1, 2, 1], 0, (float)Math.Log(3));
        var v = F32([1, 1, 2, 1], 10, 20);
        Close([10, 17.5, 10, 17.5], Eval(text, q, k, v), 1e-6, 1e-5);
    }

    [Fact]
    public void Attention_FullyMaskedRow_GivesZeros()
    {
        const string text = """
            opset 23
            input %q: f32[1,1,1,1]
            input %k: f32[1,1,2,1]
            input %v: f32[1,1,2,1]
            input %m: bool[1,2]
            %y = Attention(%q, %k, %v, %m)
            output %y
            """;
        var mask = new Tensor(DataType.Bool, [1, 2], new[] { false, false });
        Close([0], Eval(text, F32([1, 1, 1, 1], 1), F32([1, 1, 2, 1], 1, 2), F32([1, 1, 2, 1], 3, 4), mask));
    }

    [Fact]
    public void RotaryEmbedding_RotatesHalves()
    {
        // One head of size 4 (3-d input, num_heads 1): (x1, x2) = ([1, 2], [3, 4]) rotated by 90° and 0°.
        const string text = """
            opset 23
            input %x: f32[1,1,4]
            input %c: f32[1,1,2]
            input %s: f32[1,1,2]
            %y = RotaryEmbedding(%x, %c, %s) {num_heads=1}
            output %y
            """;
        Close([-3, 2, 1, 4], Eval(text, F32([1, 1, 4], 1, 2, 3, 4), F32([1, 1, 2], 0, 1), F32([1, 1, 2], 1, 0)));
    }

    [Fact]
    public void RMSNormalization_DividesByRootMeanSquare()
    {
        const string text = """
            opset 23
            input %x: f32[N,2]
            input %s: f32[2]
            %y = RMSNormalization(%x, %s) {epsilon=0.0}
            output %y
            """;
        Assert.Equal("f32[N,2]", Infer(text).Outputs[0].Type!.ToString());
        // rms([3, 4]) = √12.5.
        double r = Math.Sqrt(12.5);
        Close([3 / r, 2 * 4 / r], Eval(text, F32([1, 2], 3, 4), F32(1, 2)));
    }
}
