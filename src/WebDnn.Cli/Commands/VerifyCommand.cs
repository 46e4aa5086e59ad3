using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Tooling;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Cli.Commands;

/// <summary>`webdnn verify MODEL.onnx [--backends reference,js] [--input NAME=FILE.npy] [--input-range RANGE] [--shape ..] [--json]`: compares our outputs with ONNX Runtime's.</summary>
public static class VerifyCommand
{
    public static readonly string[] KnownBackends = ["reference", "js", "wasm", "webgpu", "webgl"];

    public static Command Create(CliIO io)
    {
        var model = new Argument<string>("model") { Description = "An ONNX model file (.onnx or .onnx.gz)" };
        var backends = new Option<string>("--backends") { Description = "Comma-separated: reference, js", DefaultValueFactory = _ => "reference" };
        var json = new Option<bool>("--json") { Description = "Print a JSON document instead of a table" };
        var shape = new Option<string[]>("--shape") { Description = "Fix a symbolic input shape: NAME=d0,d1,... or SYMBOL=size (repeatable)" };
        var input = new Option<string[]>("--input") { Description = "NAME=FILE.npy: feed this input from a file (repeatable); the others get seeded values" };
        var range = new Option<string[]>("--input-range") { Description = $"Seeded values' range, for all inputs or NAME=RANGE (repeatable): {string.Join(", ", Ranges.Keys)}" };
        var cmd = new Command("verify", "Run the model through ONNX Runtime and through WebDNN on a seeded input and compare") { model, backends, json, shape, input, range };
        cmd.SetAction((r, ct) => RunAsync(io, r.GetValue(model)!, r.GetValue(backends)!, r.GetValue(json), r.GetValue(shape), ParseInputs(r.GetValue(input), r.GetValue(range))));
        return cmd;
    }

    /// <summary>--input-range names (docs/compiler.md "verify").</summary>
    public static readonly IReadOnlyDictionary<string, InputDomain> Ranges = new Dictionary<string, InputDomain>(StringComparer.Ordinal)
    {
        ["auto"] = InputDomain.Auto,
        ["symmetric"] = InputDomain.Symmetric,
        ["unit"] = InputDomain.Unit,
        ["pixels"] = InputDomain.Pixels255,
        ["tokens"] = InputDomain.TokenIds,
        ["ones"] = InputDomain.Ones,
        ["zeros"] = InputDomain.Zeros,
    };

    private static VerifyInputs ParseInputs(string[]? files, string[]? ranges)
    {
        var given = new VerifyInputs();
        foreach (var spec in files ?? [])
        {
            int eq = spec.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--input '{spec}': expected NAME=FILE.npy");
            }
            given.Files[spec[..eq]] = Npy.Read(spec[(eq + 1)..]);
        }
        InputDomain? all = null;
        foreach (var spec in ranges ?? [])
        {
            int eq = spec.LastIndexOf('=');
            string name = eq > 0 ? spec[(eq + 1)..] : spec;
            if (!Ranges.TryGetValue(name, out var domain))
            {
                throw new UsageException($"--input-range '{spec}': unknown range '{name}'; ranges: {string.Join(", ", Ranges.Keys)}");
            }
            if (eq > 0)
            {
                given.Ranges[spec[..eq]] = domain;
            }
            else
            {
                all = domain;
            }
        }
        return given with { Range = all };
    }

    private static async Task<int> RunAsync(CliIO io, string path, string backendList, bool json, string[]? shapes, VerifyInputs given)
    {
        var backends = backendList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var b in backends)
        {
            if (!KnownBackends.Contains(b))
            {
                throw new UsageException($"unknown backend '{b}'; known: {string.Join(", ", KnownBackends)}");
            }
        }
        var settings = new CompileSettings { Shapes = ModelFiles.ParseShapes(shapes), Progress = io.Progress };
        var results = await Verification.RunAsync(path, backends, settings, io.Progress, given).ConfigureAwait(false);
        bool pass = results.All(r => r.Report.Passed);
        if (json)
        {
            var doc = new JsonObject
            {
                ["model"] = Path.GetFileName(path),
                ["pass"] = pass,
                ["results"] = new JsonArray(results.SelectMany(r => r.Report.Outputs.Select(o => (JsonNode)new JsonObject
                {
                    ["backend"] = r.Backend,
                    ["stage"] = r.Stage,
                    ["output"] = o.Name,
                    ["maxAbsError"] = o.MaxAbsError,
                    ["maxRelError"] = o.MaxRelError,
                    ["bound"] = o.Bound,
                    ["tolerance"] = r.Report.Tolerance.Name,
                    ["pass"] = o.Passed,
                    ["message"] = o.Message,
                })).ToArray()),
            };
            io.Out.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            io.Out.WriteLine($"{"backend",-10} {"stage",-10} {"output",-24} {"max abs err",12} {"max rel err",12} {"bound",10}  result");
            foreach (var r in results)
            {
                foreach (var o in r.Report.Outputs)
                {
                    io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Backend,-10} {r.Stage,-10} {Trim(o.Name, 24),-24} {o.MaxAbsError,12:g3} {o.MaxRelError,12:g3} {o.Bound,10:g3}  {(o.Passed ? "PASS" : "FAIL")}{(o.Message is null ? "" : "  " + o.Message)}"));
                }
            }
            io.Out.WriteLine(pass ? "PASS" : "FAIL");
        }
        return pass ? ExitCodes.Success : ExitCodes.Internal;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
