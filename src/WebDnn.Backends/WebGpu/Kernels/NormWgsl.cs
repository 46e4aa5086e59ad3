using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// norm: per row of N, two-pass mean and (biased) variance, then (x − mean) / sqrt(var + eps) · scale + bias. A few
/// long rows (instance norm of a large map: 32 rows of 65536) would leave most of the GPU idle with one workgroup per
/// row, so they are cut into chunks: a first shader writes each chunk's mean and sum of squared deviations (two-pass
/// within the chunk) to a scratch buffer, the second combines a row's chunks (Chan et al.'s pairwise update) and
/// normalizes its chunk.
/// </summary>
internal static class NormWgsl
{
    /// <summary>Workgroups the chunked form aims for (eight per SM of a large GPU).</summary>
    public const long TargetGroups = 1056;

    /// <summary>Shortest chunk of a row worth its own workgroup.</summary>
    public const long MinChunk = 1024;

    /// <summary>
    /// Most rows for the chunked form: with more, one workgroup per row already fills half the SMs and the second
    /// dispatch costs more than it saves (style transfer's 128 rows of 4096: 0.019 ms chunked, 0.014 ms not).
    /// </summary>
    public const long MaxChunkedRows = 64;

    public static void Emit(WgslKernel c, NormKernel k)
    {
        long chunks = Math.Min((TargetGroups + k.Outer - 1) / k.Outer, k.N / MinChunk);
        if (chunks >= 2 && k.Outer <= MaxChunkedRows && c.Bindings < 8)
        {
            Chunked(c, k, chunks);
            return;
        }
        var w = c.W;
        bool wide = k.N > WgslRows.ShortRow;
        if (wide)
        {
            WgslRows.Combine(w, "sum");
        }
        w.Const("RN", "i32", WgslWriter.I32(k.N));
        string start = wide ? "i32(tid)" : "0";
        string stride = wide ? WgslWriter.I32(WgslKernel.Threads) : "1";
        WgslRows.Emit(c, k.Outer, wide, () =>
        {
            w.Line("let xb = row * RN;");
            MeanAndSquares(c, start, "RN", "RN", stride, wide);
            w.Line($"let inv = inverseSqrt(q / f32(RN) + {WgslWriter.F32(k.Epsilon)});");
            w.Open($"for (var n: i32 = {start}; n < RN; n += {stride})");
            w.Line($"{c.OutAt(0, "xb + n")} = {Normalized(c, k, c.Load(0, "xb + n"), "n")};");
            w.Close();
        });
    }

    /// <summary>
    /// Emits <c>mean</c> and <c>q</c> (the sum of squared deviations, two-pass) of x[xb + n] for n from
    /// <paramref name="from"/> below <paramref name="to"/> in steps of <paramref name="stride"/>, over
    /// <paramref name="count"/> values; with <paramref name="reduce"/> the workgroup's invocations share the sums.
    /// </summary>
    private static void MeanAndSquares(WgslKernel c, string from, string to, string count, string stride, bool reduce)
    {
        var w = c.W;
        w.Line("var s = 0f;");
        w.Open($"for (var n: i32 = {from}; n < {to}; n += {stride})");
        w.Line($"s += {c.Load(0, "xb + n")};");
        w.Close();
        w.Line(reduce ? $"let mean = wg_sum(tid, s) / f32({count});" : $"let mean = s / f32({count});");
        w.Line("var q = 0f;");
        w.Open($"for (var n: i32 = {from}; n < {to}; n += {stride})");
        w.Line($"let d = {c.Load(0, "xb + n")} - mean;");
        w.Line("q = fma(d, d, q);");
        w.Close();
        if (reduce)
        {
            w.Line("q = wg_sum(tid, q);");
        }
    }

    private static string Normalized(WgslKernel c, NormKernel k, string x, string idx)
    {
        string scaleIdx = k.PerChannel ? $"row % {WgslWriter.I32(k.Channels)}" : idx;
        string v = $"({x} - mean) * inv";
        if (k.HasScale)
        {
            v = $"{v} * {c.Load(1, scaleIdx)}";
        }
        if (k.HasBias)
        {
            v = $"{v} + {c.Load(k.HasScale ? 2 : 1, scaleIdx)}";
        }
        return v;
    }

    private static void Chunked(WgslKernel c, NormKernel k, long chunks)
    {
        long len = (k.N + chunks - 1) / chunks;
        chunks = (k.N + len - 1) / len;
        void Common(WgslKernel s)
        {
            var w = s.W;
            WgslRows.Combine(w, "sum");
            w.Storage("scratch", "f32", WgslAccess.ReadWrite);
            w.Const("RN", "i32", WgslWriter.I32(k.N));
            w.Const("CH", "i32", WgslWriter.I32(chunks));
            w.Const("CL", "i32", WgslWriter.I32(len));
        }
        void Body(WgslKernel s, Action body)
        {
            var w = s.W;
            w.Main(WgslKernel.Threads, 1, 1, () =>
            {
                w.Line("let tid = lid.x;");
                w.Line("let row = i32(wid.y);");
                w.Line("let ch = i32(wid.x);");
                w.Line("let beg = ch * CL;");
                w.Line("let end = min(RN, beg + CL);");
                w.Line("let xb = row * RN;");
                body();
            });
        }
        string stride = WgslWriter.I32(WgslKernel.Threads);
        Common(c);
        Body(c, () =>
        {
            var w = c.W;
            MeanAndSquares(c, "beg + i32(tid)", "end", "end - beg", stride, reduce: true);
            w.Open("if (tid == 0u)");
            w.Line("scratch[(row * CH + ch) * 2] = mean;");
            w.Line("scratch[(row * CH + ch) * 2 + 1] = q;");
            w.Close();
        });
        var r = new WgslKernel(c.Kernel);
        Common(r);
        Body(r, () =>
        {
            var w = r.W;
            // Every invocation combines the row's chunks alike (the same addresses: broadcast loads).
            w.Line("var mean = 0f;");
            w.Open("for (var j: i32 = 0; j < CH; j++)");
            w.Line("mean += f32(min(RN, (j + 1) * CL) - j * CL) * scratch[(row * CH + j) * 2];");
            w.Close();
            w.Line("mean = mean / f32(RN);");
            w.Line("var m2 = 0f;");
            w.Open("for (var j: i32 = 0; j < CH; j++)");
            w.Line("let d = scratch[(row * CH + j) * 2] - mean;");
            w.Line("m2 += scratch[(row * CH + j) * 2 + 1] + f32(min(RN, (j + 1) * CL) - j * CL) * d * d;");
            w.Close();
            w.Line($"let inv = inverseSqrt(m2 / f32(RN) + {WgslWriter.F32(k.Epsilon)});");
            w.Open($"for (var n: i32 = beg + i32(tid); n < end; n += {stride})");
            w.Line($"{r.OutAt(0, "xb + n")} = {Normalized(r, k, r.Load(0, "xb + n"), "n")};");
            w.Close();
        });
        int[] dispatch = [(int)chunks, k.Outer, 1];
        c.Dispatch = dispatch;
        c.Second = new WgslKernel.Stage(r.W.ToString(), dispatch, k.Outer * chunks * 2 * 4);
    }
}
