using Xunit.Abstractions;

namespace WebDnn.Tests.Browser;

/// <summary>
/// The ONNX node tests on the <c>webgpu</c> backend in headless Chromium (WebGPU on SwiftShader), with the same
/// comparison as on js. Conformance/webgpu.passlist.txt names the cases that must pass; it may only grow.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class WebGpuNodeTests(ITestOutputHelper output)
{
    [Fact]
    public Task Listed_node_tests_pass_on_webgpu_in_the_browser() => BackendNodeTests.RunListed("webgpu", output);
}
