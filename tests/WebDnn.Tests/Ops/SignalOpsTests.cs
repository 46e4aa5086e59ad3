using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>Window generators and DFT against closed-form values.</summary>
public sealed class SignalOpsTests
{
    [Fact]
    public void Windows_PeriodicAndSymmetric()
    {
        // Periodic Hann of 4: 0.5 - 0.5 cos(πk/2) = [0, 0.5, 1, 0.5]; symmetric Hann of 3: [0, 1, 0].
        Close([0, 0.5, 1, 0.5], Eval("opset 17\ninput %n: i64[]\n%y = HannWindow(%n)\noutput %y", Core.Tensor.ScalarLong(4)));
        Close([0, 1, 0], Eval("opset 17\ninput %n: i64[]\n%y = HannWindow(%n) {periodic=0}\noutput %y", Core.Tensor.ScalarLong(3)), 1e-6, 1e-7);
        Close([0.08695652173913049, 0.5434782608695652, 1, 0.5434782608695652],
            Eval("opset 17\ninput %n: i64[]\n%y = HammingWindow(%n)\noutput %y", Core.Tensor.ScalarLong(4)));
        Close([0, 0.34, 1, 0.34], Eval("opset 17\ninput %n: i64[]\n%y = BlackmanWindow(%n)\noutput %y", Core.Tensor.ScalarLong(4)), 1e-6, 1e-7);
    }

    [Fact]
    public void Dft_ForwardAndOnesided()
    {
        // x = [1, 2, 3, 4]: X = [10, -2+2i, -2, -2-2i].
        const string text = """
            opset 17
            input %x: f32[1,4,1]
            %y = DFT(%x)
            output %y
            """;
        Close([10, 0, -2, 2, -2, 0, -2, -2], Eval(text, F32([1, 4, 1], 1, 2, 3, 4)), 1e-6, 1e-6);
        var half = Eval(text.Replace("DFT(%x)", "DFT(%x) {onesided=1}", StringComparison.Ordinal), F32([1, 4, 1], 1, 2, 3, 4));
        Assert.Equal([1, 3, 2], half.Shape);
    }
}
