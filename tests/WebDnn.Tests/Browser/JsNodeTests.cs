using Xunit.Abstractions;

namespace WebDnn.Tests.Browser;

/// <summary>The ONNX node tests on the <c>js</c> backend (<see cref="BackendNodeTests"/>; list: Conformance/js.passlist.txt).</summary>
[Collection(BrowserTests.Name)]
public sealed class JsNodeTests(ITestOutputHelper output)
{
    [Fact]
    public Task Listed_node_tests_pass_on_js_in_the_browser() => BackendNodeTests.RunListed("js", output);
}
