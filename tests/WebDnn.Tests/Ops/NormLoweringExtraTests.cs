using static WebDnn.Tests.Ops.TensorTestGraphs;

namespace WebDnn.Tests.Ops;

/// <summary>
/// RMSNormalization and LpNormalization lowerings (reduce + elementwise), run by the naive
/// <see cref="WebDnn.Core.Kernels.Reference.KernelReference"/> on the ONNX node tests of both ops and compared with their expected outputs.
/// </summary>
public sealed class NormLoweringExtraTests
{
    [Fact]
    public void RmsAndLpNormalization_LoweredProgramsMatchNodeTests()
    {
        var (checkedCases, failures) = RunLoweredNodeTests(["test_rms_normalization", "test_lpnormalization"], freezeParameters: false);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedCases >= 16, $"only {checkedCases} cases were checked");
    }
}
