using Xunit.Abstractions;

namespace WebDnn.Tests.Browser;

/// <summary>
/// The ONNX node tests on the <c>wasm</c> backend in Chromium (relaxed-SIMD module; kernels without a wasm emitter run
/// their js fallback inside the same memory) (<see cref="BackendNodeTests"/>; list: Conformance/wasm.passlist.txt).
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class WasmNodeTests(ITestOutputHelper output)
{
    [Fact]
    public Task Listed_node_tests_pass_on_wasm_in_the_browser() => BackendNodeTests.RunListed("wasm", output);
}
