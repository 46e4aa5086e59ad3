using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Passes;

/// <summary>One step of the optimization pipeline. Passes are listed by hand in Pipelines.cs.</summary>
public interface IGraphPass
{
    string Name { get; }

    void Run(Graph g, PassContext ctx);
}

/// <summary>Options, diagnostics and the trace hook shared by the passes of one compilation.</summary>
public sealed class PassContext
{
    /// <summary>Fixed sizes for symbolic input dimensions (from --shape), by input name.</summary>
    public Dictionary<string, long[]> InputShapes { get; } = new(StringComparer.Ordinal);

    /// <summary>Called after every pass with its name and the graph (inspect --dump-after, verifier in tests).</summary>
    public Action<string, Graph>? AfterPass { get; set; }

    public List<string> Diagnostics { get; } = [];

    /// <summary>Run <see cref="Core.Verification.GraphVerifier"/> after every pass (tests, <c>--verify</c>).</summary>
    public bool Verify { get; set; }

    /// <summary>Receives one line per pass as it starts (the CLI shows compile progress with it).</summary>
    public IProgress<string>? Progress { get; set; }

    public CancellationToken Cancellation { get; set; }

    /// <summary>The limits of the backends being compiled for (their <see cref="Target.Meet"/>); passes read limits only from here.</summary>
    public Target Target { get; set; } = Target.Portable;
}
