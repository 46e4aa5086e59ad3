using WebDnn.Core;
using WebDnn.Tooling.Models;
using Xunit.Abstractions;

namespace WebDnn.Tests.Browser;

/// <summary><c>webdnn verify MODEL --backends js|wasm</c> end to end through the CLI's in-process entry point (one small zoo model per backend).</summary>
[Collection(BrowserTests.Name)]
public sealed class VerifyCliTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("js")]
    [InlineData("wasm")]
    public void Verify_prints_PASS_for_squeezenet(string backend)
    {
        string shared = ModelZoo.FindSharedModels() ?? throw new InvalidOperationException("the shared models folder (../shared/models) is missing");
        string model = Path.Combine(shared, "squeezenet1_1.onnx.gz");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = WebDnn.Cli.Program.Run(["verify", model, "--backends", backend], stdout, stderr);
        output.WriteLine(stdout.ToString());
        output.WriteLine(stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == ExitCodes.Success, $"exit code {code}\n{stdout}\n{stderr}");
        Assert.Contains(lines, l => l.StartsWith(backend + " ", StringComparison.Ordinal) && l.Contains("browser", StringComparison.Ordinal) && l.EndsWith("PASS", StringComparison.Ordinal));
        Assert.Equal("PASS", lines[^1]);
    }
}
