using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss against hand-computed values.</summary>
public sealed class LossOpsTests
{
    [Fact]
    public void NegativeLogLikelihoodLoss_WeightedMeanAndIgnoreIndex()
    {
        const string text = """
            opset 13
            input %x: f32[3,2]
            input %t: i64[3]
            input %w: f32[2]
            %y = NegativeLogLikelihoodLoss(%x, %t, %w) {ignore_index=-1}
            output %y
            """;
        var x = F32([3, 2], -1, -2, -3, -4, -5, -6);
        // Picks -x[0,1]·w1 = 2·3 and -x[1,0]·w0 = 3·1; row 2 is ignored. Mean over weights: (6 + 3) / (3 + 1).
        Close([2.25], Eval(text, x, I64(1, 0, -1), F32(1, 3)));
        Assert.Empty(Infer(text).Outputs[0].Type!.Shape!);
    }

    [Fact]
    public void SoftmaxCrossEntropyLoss_NoneReduction_AndLogProb()
    {
        const string text = """
            opset 13
            input %x: f32[N,2]
            input %t: i64[N]
            %y, %lp = SoftmaxCrossEntropyLoss(%x, %t) {reduction="none"}
            output %y
            output %lp
            """;
        var outs = EvalAll(text, F32([1, 2], 0, 0), I64(1));
        Close([Math.Log(2)], outs[0]);
        Close([-Math.Log(2), -Math.Log(2)], outs[1]);
        Assert.Equal("f32[N]", Infer(text).Outputs[0].Type!.ToString());
    }
}
