using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, ConvInteger and QLinearConv.</summary>
public sealed class QuantizationOpsTests
{
    [Fact]
    public void QuantizeLinear_RoundsHalfToEvenAndSaturates()
    {
        const string text = """
            opset 13
            input %x: f32[5]
            input %s: f32[]
            input %z: u8[]
            %y = QuantizeLinear(%x, %s, %z)
            output %y
            """;
        var y = Eval(text, F32(1, 3, 5, 1000, -1000), Tensor.Scalar(2), new Tensor(DataType.UInt8, [], new byte[] { 10 }));
        Assert.Equal(DataType.UInt8, y.DataType);
        // 0.5 → 0, 1.5 → 2, 2.5 → 2 (half to even), then + 10 and saturate.
        Exact([10, 12, 12, 255, 0], y);
    }

    [Fact]
    public void DequantizeLinear_PerAxis()
    {
        const string text = """
            opset 13
            input %x: i8[2,2]
            input %s: f32[2]
            input %z: i8[2]
            %y = DequantizeLinear(%x, %s, %z) {axis=0}
            output %y
            """;
        var x = Tensor.FromDoubles(DataType.Int8, [2, 2], [1, 2, 3, 4]);
        Close([0, 0.5, 3, 4.5], Eval(text, x, F32(0.5f, 1.5f), Tensor.FromDoubles(DataType.Int8, [2], [1, 1])));
    }

    [Fact]
    public void DynamicQuantizeLinear_RangeIncludesZero()
    {
        const string text = """
            opset 11
            input %x: f32[3]
            %y, %s, %z = DynamicQuantizeLinear(%x)
            output %y
            output %s
            output %z
            """;
        var outs = EvalAll(text, F32(0, 2.55f, 5.1f));
        Close([0.02], outs[1]);
        Exact([0], outs[2]);
        Exact([0, 128, 255], outs[0]);
    }

    [Fact]
    public void ConvInteger_SubtractsZeroPoints()
    {
        const string text = """
            opset 10
            input %x: u8[1,1,2,2]
            input %w: u8[1,1,2,2]
            input %xz: u8[]
            %y = ConvInteger(%x, %w, %xz)
            output %y
            """;
        var x = Tensor.FromDoubles(DataType.UInt8, [1, 1, 2, 2], [2, 3, 4, 5]);
        var w = Tensor.FromDoubles(DataType.UInt8, [1, 1, 2, 2], [1, 1, 1, 2]);
        var y = Eval(text, x, w, new Tensor(DataType.UInt8, [], new byte[] { 1 }));
        Assert.Equal(DataType.Int32, y.DataType);
        Exact([1 + 2 + 3 + 8], y);
    }
}
