using System.Text;
using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Backends;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Runtime;

/// <summary>
/// An out-of-range gather index that comes from a graph input is refused at the runtime's input boundary, before any
/// backend runs, with the same message on js and wasm (Node) and webgpu (headless Chromium, whose kernels clamp and could
/// not report it): the input, the position, the value, the valid range and the ONNX node.
/// </summary>
[Collection(Browser.BrowserTests.Name)]
public sealed class IndexCheckTests : IDisposable
{
    private const string Expected = "webdnn: input 'ids'[1] = 99 is out of range [-5, 5) for gather from ONNX node 'embed', which reads 'ids' as indices into an axis of 5";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Package()
    {
        var table = new TensorProto { Name = "table", DataType = 1 };
        table.Dims.AddRange([5, 2]);
        table.FloatData.AddRange(Enumerable.Range(0, 10).Select(i => (float)i));
        var model = new OnnxBuilder().Input("ids", 7, 3).RawInitializer(table).Node("Gather", ["table", "ids"], ["y"], "embed").Output("y", 1, 3, 2)
            .Save(_dir.File("g.onnx"));
        var (code, _, err) = Cli.CliErrorTests.Run("compile", model, "-o", _dir.File("pkg"), "--backends", "webgpu,wasm,js");
        Assert.True(code == ExitCodes.Success, err);
        var uses = PackageWriter.ReadManifest(_dir.File("pkg")).Inputs.Single().IndexUses;
        Assert.Equal([new ManifestIndexUse(5, "embed")], uses);
        return _dir.File("pkg");
    }

    private static RawTensor Ids(params long[] ids) => new("i64", [ids.Length], [.. ids.SelectMany(BitConverter.GetBytes)]);

    [Theory]
    [InlineData("js")]
    [InlineData("wasm")]
    public void Node_backends_refuse_the_index_naming_input_position_and_node(string backend)
    {
        string pkg = Package();
        var bad = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["ids"] = Ids(1, 99, 2) }, [backend]);
        Assert.False(bad.Ok);
        Assert.Equal(Expected, bad.Error);
        // In range, negative ones included: rows 1, 4 (-1) and 0 of the table.
        var good = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["ids"] = Ids(1, -1, 0) }, [backend]);
        Assert.True(good.Ok, good.Error);
        Assert.Equal([2f, 3f, 8f, 9f, 0f, 1f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(good.Outputs["y"].Data).ToArray());
    }

    [Fact]
    public async Task Webgpu_refuses_the_index_naming_input_position_and_node()
    {
        string pkg = Package();
        using var server = new StaticServer(pkg);
        server.AddFile("/webdnn.mjs", Encoding.UTF8.GetBytes(RuntimeAssets.RuntimeText()), "text/javascript");
        server.AddFile("/index.html", "<!doctype html><meta charset=utf-8><title>ids</title>"u8.ToArray(), "text/html");
        server.AddFile("/favicon.ico", [], "image/x-icon");
        var uri = server.Start();
        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(uri, "index.html").ToString());
        string json = await page.EvaluateAsync<string>("""
            async () => {
              const { load } = await import('/webdnn.mjs');
              const runner = await load('/', { backendOrder: ['webgpu'] });
              let error = null;
              try { await runner.run({ ids: new BigInt64Array([1n, 99n, 2n]) }); } catch (e) { error = String(e.message); }
              const good = Array.from((await runner.run({ ids: new BigInt64Array([1n, -1n, 0n]) })).y.data);
              const backend = runner.backend;
              runner.dispose();
              return JSON.stringify({ backend, error, good });
            }
            """);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("webgpu", doc.RootElement.GetProperty("backend").GetString());
        Assert.Equal(Expected, doc.RootElement.GetProperty("error").GetString());
        Assert.Equal([2f, 3f, 8f, 9f, 0f, 1f], doc.RootElement.GetProperty("good").EnumerateArray().Select(e => e.GetSingle()));
    }
}
